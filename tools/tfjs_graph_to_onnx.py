"""Convert the tfjs graph models aupipe's face detector uses (human's blazeface, facemesh, iris) to ONNX.

Why: on tfjs-wasm these two models cost 60-70% of the pipeline's CPU (bench/README); onnxruntime runs
the same weights several times faster and off the JS thread. The conversion is exact op for op: it
covers only the ops these graphs contain (fused conv + bias [+ relu | prelu], depthwise conv [+ bias], add,
relu, prelu (as relu and per-channel scales, `_prelu`), max pool, pad, reshape (a constant shape, or [batch, consts] read back from Shape), concat,
sigmoid, half-pixel bilinear resize, depth-to-space) and fails loudly on anything else.

Layout: tfjs graphs are NHWC. The ONNX graph keeps the same NHWC input and output shapes (so both
runtimes take identical tensors), transposes once to NCHW after the input and back to NHWC before
each Reshape and 4-D output, and converts weights HWIO -> OIHW.

Usage (repo root, Debian python3 with python3-onnx):
  /usr/bin/python3 tools/tfjs_graph_to_onnx.py node_modules/@vladmandic/human/models/blazeface.json \
      models/detect/blazeface.onnx
Deterministic: the same input files give the same bytes (a test checks the committed models).
"""
import base64
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.aupipe_train.tfjs_weights import load_tfjs_weights  # noqa: E402

OPSET = 13


def _attr(node: dict, key: str):
    a = node.get('attr', {}).get(key)
    if a is None:
        return None
    if 's' in a:
        return base64.b64decode(a['s']).decode()
    if 'list' in a:
        lst = a['list']
        if 's' in lst:
            return [base64.b64decode(s).decode() for s in lst['s']]
        return [int(i) for i in lst.get('i', [])]
    for k in ('i', 'f', 'b'):
        if k in a:
            return a[k]
    return a


def _src(name: str) -> str:
    """A graph input reference 'node:0' or 'node' -> the tensor name we give that node's output."""
    return name.split(':')[0].lstrip('^')


class Converter:
    def __init__(self, model_json: Path):
        self.spec = json.loads(model_json.read_text())
        self.weights = load_tfjs_weights(str(model_json))
        self.nodes: list = []
        self.inits: list = []
        self.layout: dict = {}  # tensor -> 'NCHW' (4-D, transposed) or 'plain'
        self.const_names: set = set()
        self.dynamic: dict = {}  # Shape / StridedSlice outputs that only carry the batch size
        self.packed: dict = {}  # Pack outputs used as a Reshape shape -> ONNX shape (0 = keep batch)

    def _init(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def _const(self, name: str) -> np.ndarray:
        if name not in self.weights:
            raise ValueError(f'constant {name} has no weights in the manifest')
        return self.weights[name]

    def _strides(self, node) -> list:
        s = _attr(node, 'strides') or [1, 1, 1, 1]
        return [s[1], s[2]]

    def _pad_attr(self, node) -> dict:
        p = _attr(node, 'padding')
        if p == 'SAME':
            return {'auto_pad': 'SAME_UPPER'}  # TF pads the extra row/column at the end, as SAME_UPPER
        if p == 'VALID':
            return {'pads': [0, 0, 0, 0]}
        raise ValueError(f'{node["name"]}: padding {p} is not supported')

    def _check_format(self, node) -> None:
        fmt = _attr(node, 'data_format')
        if fmt not in (None, 'NHWC'):
            raise ValueError(f'{node["name"]}: data_format {fmt} is not supported')
        d = _attr(node, 'dilations')
        if d and any(v != 1 for v in d):
            raise ValueError(f'{node["name"]}: dilated convolutions are not supported')

    def convert(self, graph_name: str) -> onnx.ModelProto:
        topo = self.spec['modelTopology']['node']
        by_name = {n['name']: n for n in topo}
        inputs, outputs = [], []
        for node in topo:
            op, name = node['op'], node['name']
            ins = [_src(i) for i in node.get('input', []) if not i.startswith('^')]
            if op == 'Const':
                self.const_names.add(name)
            elif op == 'Placeholder':
                dims = [int(d.get('size', -1)) for d in json.loads(json.dumps(node['attr']['shape']['shape']['dim']))]
                shape = ['batch' if d < 0 else d for d in dims]
                inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
                self.nodes.append(helper.make_node('Transpose', [name], [name + '/nchw'], perm=[0, 3, 1, 2]))
                self.layout[name] = 'NCHW'
                self.alias = getattr(self, 'alias', {})
                self.alias[name] = name + '/nchw'
            elif op == '_FusedConv2D':
                self._check_format(node)
                fused = _attr(node, 'fused_ops')
                if not fused or fused[0] != 'BiasAdd' or len(fused) > 2:
                    raise ValueError(f'{name}: fused ops {fused} are not supported')
                w = self._const(ins[1]).transpose(3, 2, 0, 1)
                b = self._const(ins[2])
                conv_out = name if len(fused) == 1 else name + '/conv'
                self.nodes.append(helper.make_node(
                    'Conv', [self._t(ins[0]), self._init(name + '/W', np.ascontiguousarray(w, np.float32)),
                             self._init(name + '/B', b.astype(np.float32))],
                    [conv_out], kernel_shape=list(w.shape[2:]), strides=self._strides(node), **self._pad_attr(node)))
                if len(fused) == 2:
                    if fused[1] == 'Relu':
                        self.nodes.append(helper.make_node('Relu', [conv_out], [name]))
                    elif fused[1] == 'Prelu':
                        self._prelu(name, conv_out, ins[3])
                    else:
                        raise ValueError(f'{name}: fused activation {fused[1]} is not supported')
                self.layout[name] = 'NCHW'
            elif op == 'DepthwiseConv2dNative':
                self._check_format(node)
                w = self._const(ins[1])  # [kh, kw, c, 1]
                if w.shape[3] != 1:
                    raise ValueError(f'{name}: depthwise multiplier {w.shape[3]} is not supported')
                c = w.shape[2]
                self.nodes.append(helper.make_node(
                    'Conv', [self._t(ins[0]),
                             self._init(name + '/W', np.ascontiguousarray(w.transpose(2, 3, 0, 1), np.float32))],
                    [name], kernel_shape=list(w.shape[:2]), strides=self._strides(node), group=int(c),
                    **self._pad_attr(node)))
                self.layout[name] = 'NCHW'
            elif op == 'FusedDepthwiseConv2dNative':
                self._check_format(node)
                fused = _attr(node, 'fused_ops')
                if fused != ['BiasAdd']:
                    raise ValueError(f'{name}: fused ops {fused} are not supported')
                w = self._const(ins[1])  # [kh, kw, c, 1]
                if w.shape[3] != 1:
                    raise ValueError(f'{name}: depthwise multiplier {w.shape[3]} is not supported')
                c = w.shape[2]
                self.nodes.append(helper.make_node(
                    'Conv', [self._t(ins[0]),
                             self._init(name + '/W', np.ascontiguousarray(w.transpose(2, 3, 0, 1), np.float32)),
                             self._init(name + '/B', self._const(ins[2]).astype(np.float32))],
                    [name], kernel_shape=list(w.shape[:2]), strides=self._strides(node), group=int(c),
                    **self._pad_attr(node)))
                self.layout[name] = 'NCHW'
            elif op == 'ResizeBilinear':
                if _attr(node, 'align_corners') or not _attr(node, 'half_pixel_centers'):
                    raise ValueError(f'{name}: only half-pixel-centre bilinear resizing is supported')
                if self.layout[ins[0]] != 'NCHW':
                    raise ValueError(f'{name}: resizing a non-image tensor is not supported')
                hw = self._const(ins[1]).astype(np.int64)
                self.nodes.append(helper.make_node('Shape', [self._t(ins[0])], [name + '/shape']))
                self.nodes.append(helper.make_node('Slice', [name + '/shape', self._init(name + '/s0', np.array([0], np.int64)),
                                                            self._init(name + '/s1', np.array([2], np.int64))], [name + '/nc']))
                self.nodes.append(helper.make_node('Concat', [name + '/nc', self._init(name + '/hw', hw)], [name + '/sizes'], axis=0))
                self.nodes.append(helper.make_node('Resize', [self._t(ins[0]), '', '', name + '/sizes'], [name], mode='linear',
                                                   coordinate_transformation_mode='half_pixel'))
                self.layout[name] = 'NCHW'
            elif op == 'DepthToSpace':
                self._check_format(node)
                if self.layout[ins[0]] != 'NCHW':
                    raise ValueError(f'{name}: depth-to-space on a non-image tensor is not supported')
                # TF's NHWC DepthToSpace takes channels as (row, column, depth): ONNX's DCR order
                self.nodes.append(helper.make_node('DepthToSpace', [self._t(ins[0])], [name],
                                                   blocksize=int(_attr(node, 'block_size')), mode='DCR'))
                self.layout[name] = 'NCHW'
            elif op in ('Shape', 'StridedSlice'):
                # only the batch size read back for a Reshape: Shape -> [0:1] with the axis shrunk
                if op == 'StridedSlice' and (ins[0] not in self.dynamic or
                                             [int(self._const(i)[0]) for i in ins[1:]] != [0, 1, 1] or
                                             int(_attr(node, 'shrink_axis_mask') or 0) != 1):
                    raise ValueError(f'{name}: only reading the batch size of a shape is supported')
                self.dynamic[name] = 'shape' if op == 'Shape' else 'batch'
            elif op == 'Pack':
                if not ins or self.dynamic.get(ins[0]) != 'batch' or int(_attr(node, 'axis') or 0) != 0:
                    raise ValueError(f'{name}: only packing [batch, consts...] as a shape is supported')
                # ONNX Reshape copies a 0 from the input's dimension: the batch stays dynamic
                self.packed[name] = np.array([0] + [int(self._const(i)) for i in ins[1:]], np.int64)
            elif op == 'AddV2':
                for i in ins:
                    if i in self.const_names:
                        raise ValueError(f'{name}: adding a constant is not supported')
                self.nodes.append(helper.make_node('Add', [self._t(i) for i in ins], [name]))
                self.layout[name] = self.layout[ins[0]]
            elif op == 'Relu':
                self.nodes.append(helper.make_node('Relu', [self._t(ins[0])], [name]))
                self.layout[name] = self.layout[ins[0]]
            elif op == 'Sigmoid':
                self.nodes.append(helper.make_node('Sigmoid', [self._t(ins[0])], [name]))
                self.layout[name] = self.layout[ins[0]]
            elif op == 'Prelu':
                self._prelu(name, self._t(ins[0]), ins[1])
                self.layout[name] = self.layout[ins[0]]
            elif op == 'MaxPool':
                self._check_format(node)
                k = _attr(node, 'ksize')
                self.nodes.append(helper.make_node('MaxPool', [self._t(ins[0])], [name], kernel_shape=[k[1], k[2]],
                                                   strides=self._strides(node), **self._pad_attr(node)))
                self.layout[name] = 'NCHW'
            elif op == 'Pad':
                p = self._const(ins[1]).astype(np.int64)  # [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] in NHWC
                if self.layout[ins[0]] != 'NCHW':
                    raise ValueError(f'{name}: padding a non-image tensor is not supported')
                nchw = p[[0, 3, 1, 2]]
                pads = np.concatenate([nchw[:, 0], nchw[:, 1]])
                self.nodes.append(helper.make_node('Pad', [self._t(ins[0]), self._init(name + '/pads', pads)],
                                                   [name], mode='constant'))
                self.layout[name] = 'NCHW'
            elif op == 'Reshape':
                shape = self.packed[ins[1]] if ins[1] in self.packed else self._const(ins[1]).astype(np.int64)
                src = self._t(ins[0])
                if self.layout[ins[0]] == 'NCHW':  # back to TF's element order before flattening
                    self.nodes.append(helper.make_node('Transpose', [src], [name + '/nhwc'], perm=[0, 2, 3, 1]))
                    src = name + '/nhwc'
                if ins[1] not in self.packed and shape[0] > 0:  # keep the batch dimension dynamic
                    shape = shape.copy()
                    shape[0] = -1 if len(shape) > 1 else shape[0]
                self.nodes.append(helper.make_node('Reshape', [src, self._init(name + '/shape', shape)], [name]))
                self.layout[name] = 'plain'
            elif op == 'ConcatV2':
                axis = int(self._const(ins[-1]))
                parts = ins[:-1]
                layouts = {self.layout[i] for i in parts}
                if len(layouts) != 1:
                    raise ValueError(f'{name}: concatenating tensors of different layouts is not supported')
                layout = layouts.pop()
                if layout == 'NCHW':  # an NHWC axis as the NCHW one
                    axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis % 4]
                self.nodes.append(helper.make_node('Concat', [self._t(i) for i in parts], [name], axis=axis))
                self.layout[name] = layout
            elif op == 'Identity':
                src = self._t(ins[0])
                if self.layout.get(ins[0]) == 'NCHW':  # a 4-D output goes back to TF's NHWC
                    self.nodes.append(helper.make_node('Transpose', [src], [name + '/nhwc'], perm=[0, 2, 3, 1]))
                    src = name + '/nhwc'
                self.nodes.append(helper.make_node('Identity', [src], [name]))
                self.layout[name] = 'plain'
                outputs.append(name)
            else:
                raise ValueError(f'op {op} ({name}) is not supported by this converter')
        del by_name
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, self._out_shape(o)) for o in outputs]
        graph = helper.make_graph(self.nodes, graph_name, inputs, outs, initializer=self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                                  producer_name='aupipe tools/tfjs_graph_to_onnx.py')
        onnx.checker.check_model(model)
        return model

    def _out_shape(self, name: str) -> list:
        sig = (self.spec.get('signature') or self.spec.get('userDefinedMetadata', {}).get('signature', {}))
        sig = sig.get('outputs', {})
        for o in sig.values():
            if _src(o['name']) == name:
                dims = [int(d.get('size', -1)) for d in o['tensorShape']['dim']]
                return ['batch' if d < 0 or i == 0 else d for i, d in enumerate(dims)]
        raise ValueError(f'output {name} is not in the model signature')

    def _t(self, name: str) -> str:
        return getattr(self, 'alias', {}).get(name, name)

    def _prelu(self, name: str, x: str, const: str) -> None:
        """PReLU with per-channel slopes a, as relu(x) + bn(-a)(relu(bn(-1)(x))): the same values (up to float
        rounding) in ops ONNX Runtime keeps in its blocked NCHWc layout (a per-channel BatchNormalization is a 1x1
        depthwise conv there). Its PRelu kernel leaves that layout around every activation and runs slower on real
        activations than on constant ones: facemesh took 4.2 ms a face with PRelu, 1.2 ms this way (one thread,
        random input; docs/performance.md)."""
        a = self._const(const).astype(np.float32).reshape(-1)
        c = a.shape[0]
        zeros, ones = np.zeros(c, np.float32), np.ones(c, np.float32)

        def scale(tag: str, inp: str, out: str, s: np.ndarray) -> None:
            ins = [inp] + [self._init(f'{name}/{tag}/{k}', v) for k, v in
                           (('scale', s.astype(np.float32)), ('bias', zeros), ('mean', zeros), ('var', ones))]
            self.nodes.append(helper.make_node('BatchNormalization', ins, [out], epsilon=0.0))

        self.nodes.append(helper.make_node('Relu', [x], [name + '/pos']))
        scale('flip', x, name + '/negx', -ones)
        self.nodes.append(helper.make_node('Relu', [name + '/negx'], [name + '/negpart']))
        scale('slope', name + '/negpart', name + '/neg', -a)
        self.nodes.append(helper.make_node('Add', [name + '/pos', name + '/neg'], [name]))


def convert(model_json: Path, out: Path) -> None:
    model = Converter(model_json).convert(model_json.stem)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.SerializeToString())


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: tfjs_graph_to_onnx.py MODEL.json OUT.onnx')
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f'wrote {sys.argv[2]}')
