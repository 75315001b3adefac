"""PyTorch implementations of the TFLite builtin ops the Face Landmarker v2 models use (and no others).

Tensors stay in TFLite's layout (NHWC for images); the 2D ops permute to PyTorch's NCHW around the call (ONNX Runtime
cancels the back-to-back transposes). Every op is built once from its constant inputs (weights as float32 buffers,
integer parameters as Python values) and then called with its run-time inputs only.

With `batched=True`, dim 0 of every run-time tensor is the batch (TFLite's graphs are traced at batch 1): reshapes keep
it as -1, constants concatenated to activations are broadcast to it, and slices that shrink it away keep it.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACT = {None: lambda x: x, 'RELU': F.relu, 'RELU6': lambda x: torch.clamp(x, 0.0, 6.0),
       'RELU_N1_TO_1': lambda x: torch.clamp(x, -1.0, 1.0), 'TANH': torch.tanh}


def same_pads(size: int, k: int, stride: int, dilation: int) -> tuple:
    """TFLite SAME padding along one axis: output ceil(size/stride); the odd pixel goes after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def dequantize(t) -> np.ndarray:
    """Constant tensor → float32: float16 is widened exactly; (u)int8/int16 use scale and zero point (per axis too)."""
    if t.dtype in ('float16', 'float32', 'float64'):
        return t.data.astype(np.float32)
    if t.quant is None:
        raise ValueError(f'{t}: integer tensor without quantisation parameters')
    scale, zp = t.quant['scale'].astype(np.float32), t.quant['zero_point'].astype(np.float32)
    shape = [1] * t.data.ndim
    if scale.size > 1:
        shape[t.quant['axis']] = -1
    return ((t.data.astype(np.float32) - zp.reshape(shape)) * scale.reshape(shape)).astype(np.float32)


class TfliteOp(nn.Module):
    """One operator. `consts[j]` is the j-th input's constant value (np.ndarray) or None for a run-time input;
    `in_shapes`/`out_shapes` are TFLite's static shapes."""

    def __init__(self, op, consts: list, in_shapes: list, out_shapes: list, batched: bool):
        super().__init__()
        self.kind, self.opts, self.batched = op.name, op.options, batched
        self.in_shapes, self.out_shapes = in_shapes, out_shapes
        self.ints = {}      # j -> python list/int (integer constants: axes, perms, shapes, paddings)
        self.runtime = []   # input positions fed at run time, in order
        for j, c in enumerate(consts):
            if c is None:
                self.runtime.append(j)
            elif c.dtype.kind in 'iub':
                self.ints[j] = c.tolist()
            else:
                self.register_buffer(f'c{j}', torch.from_numpy(np.ascontiguousarray(c, dtype=np.float32)))
        self.n_in = len(consts)
        prep = getattr(self, f'_prep_{self.kind}', None)
        if prep is not None:
            prep()
        self.fn = getattr(self, f'_{self.kind}', None)
        if self.fn is None:
            raise NotImplementedError(f'TFLite op {self.kind} is not implemented (the teacher models do not use it)')

    def args(self, rt: tuple) -> list:
        it = iter(rt)
        return [next(it) if j in self.runtime else self.ints[j] if j in self.ints else getattr(self, f'c{j}')
                for j in range(self.n_in)]

    def forward(self, *rt):
        out = self.fn(*self.args(rt))
        return out if isinstance(out, tuple) else (out,)

    def _act(self, x):
        return ACT[self.opts.get('activation')](x)

    # ---- convolutions and pooling (NHWC in, NHWC out) ----
    def _prep_CONV_2D(self):
        w = self.c1  # TFLite [O, kh, kw, I]
        o, kh, kw, i = w.shape
        o_ = self.opts
        self.pointwise = kh == kw == 1 and o_['stride_h'] == o_['stride_w'] == 1
        self.c1 = w.reshape(o, i).contiguous() if self.pointwise else w.permute(0, 3, 1, 2).contiguous()
        self.groups = 1
        self.k = (kh, kw)

    def _prep_DEPTHWISE_CONV_2D(self):
        w = self.c1  # TFLite [1, kh, kw, I*M]
        _, kh, kw, cm = w.shape
        self.c1 = w.permute(3, 0, 1, 2).contiguous()  # [I*M, 1, kh, kw]: channel i*M+m is group i's m-th output
        self.groups = self.in_shapes[0][3]
        self.pointwise = False
        self.k = (kh, kw)

    def _pad_same(self, x_nchw, value=0.0):
        o = self.opts
        if o['padding'] != 'SAME':
            return x_nchw
        _, h, w, _ = self.in_shapes[0]  # static NHWC (keeps the ONNX trace free of shape arithmetic)
        kh, kw = self.k
        ph = same_pads(h, kh, o['stride_h'], o.get('dilation_h', 1))
        pw = same_pads(w, kw, o['stride_w'], o.get('dilation_w', 1))
        if ph == pw == (0, 0):
            return x_nchw
        return F.pad(x_nchw, (pw[0], pw[1], ph[0], ph[1]), value=value)

    def _conv(self, x, w, b=None):
        o = self.opts
        if self.pointwise:
            return self._act(F.linear(x, w, b))
        y = F.conv2d(self._pad_same(x.permute(0, 3, 1, 2)), w, b, stride=(o['stride_h'], o['stride_w']),
                     dilation=(o.get('dilation_h', 1), o.get('dilation_w', 1)), groups=self.groups)
        return self._act(y.permute(0, 2, 3, 1))

    _CONV_2D = _conv
    _DEPTHWISE_CONV_2D = _conv

    def _prep_MAX_POOL_2D(self):
        self.k = (self.opts['filter_h'], self.opts['filter_w'])

    def _MAX_POOL_2D(self, x):
        o = self.opts
        y = F.max_pool2d(self._pad_same(x.permute(0, 3, 1, 2), value=float('-inf')), self.k, (o['stride_h'], o['stride_w']))
        return self._act(y.permute(0, 2, 3, 1))

    def _PRELU(self, x, alpha):
        return F.relu(x) - alpha * F.relu(-x)

    def _RELU(self, x):
        return F.relu(x)

    def _LOGISTIC(self, x):
        return torch.sigmoid(x)

    # ---- element-wise ----
    def _ADD(self, a, b):
        return self._act(a + b)

    def _SUB(self, a, b):
        return self._act(a - b)

    def _MUL(self, a, b):
        return self._act(a * b)

    def _DIV(self, a, b):
        return self._act(a / b)

    def _SQUARED_DIFFERENCE(self, a, b):
        d = a - b
        return d * d

    def _NEG(self, x):
        return -x

    def _SQRT(self, x):
        return torch.sqrt(x)

    def _RSQRT(self, x):
        return torch.rsqrt(x)

    def _DEQUANTIZE(self, x):
        return x.float()

    # ---- reductions and shape ops ----
    def _axes(self, axes) -> list:
        axes = [axes] if isinstance(axes, int) else list(axes)
        rank = len(self.in_shapes[0])
        axes = sorted(a % rank for a in axes)
        if self.batched and 0 in axes:
            raise ValueError(f'{self.kind} reduces the batch axis: convert with batched=False')
        return axes

    def _MEAN(self, x, axes):
        return torch.mean(x, dim=self._axes(axes), keepdim=bool(self.opts['keep_dims']))

    def _SUM(self, x, axes):
        return torch.sum(x, dim=self._axes(axes), keepdim=bool(self.opts['keep_dims']))

    def _RESHAPE(self, x, shape=None):
        out = list(self.out_shapes[0])
        if self.batched:
            if not out or out[0] != 1 or self.in_shapes[0][0] != 1:
                raise ValueError(f'RESHAPE {self.in_shapes[0]} -> {out} does not keep the batch axis')
            return x.reshape([-1, *out[1:]])
        return x.reshape(out)

    def _TRANSPOSE(self, x, perm):
        if self.batched and perm[0] != 0:
            raise ValueError('TRANSPOSE moves the batch axis')
        return x.permute(*perm)

    def _CONCATENATION(self, *xs):
        axis = self.opts['axis'] % len(self.out_shapes[0])
        if self.batched:
            n = next(x for j, x in zip(range(self.n_in), xs) if j in self.runtime).shape[0]
            xs = [x.expand(n, *x.shape[1:]) if j not in self.runtime else x for j, x in enumerate(xs)]
        return self._act(torch.cat(xs, dim=axis))

    def _PAD(self, x, pads, value=None):
        if self.batched and pads[0] != [0, 0]:
            raise ValueError('PAD pads the batch axis')
        flat = [p for pair in reversed(pads) for p in pair]
        return F.pad(x, flat)

    def _STRIDED_SLICE(self, x, begin, end, strides):
        o = self.opts
        if o['ellipsis_mask'] or o['new_axis_mask']:
            raise NotImplementedError('STRIDED_SLICE with ellipsis or new-axis masks')
        shape = self.in_shapes[0]
        index, squeeze = [], []
        for i, dim in enumerate(shape):
            s = strides[i]
            if s <= 0:
                raise NotImplementedError('STRIDED_SLICE with non-positive strides')
            b = 0 if o['begin_mask'] >> i & 1 else begin[i]
            e = dim if o['end_mask'] >> i & 1 else end[i]
            b, e = (b + dim if b < 0 else b), (e + dim if e < 0 else e)
            shrink = o['shrink_axis_mask'] >> i & 1
            if shrink:
                e = b + 1
            if self.batched and i == 0:
                if (b, e, s) != (0, 1, 1):
                    raise ValueError('STRIDED_SLICE slices the batch axis')
                index.append(slice(None))  # keep the batch, shrink or not
                continue
            index.append(slice(max(0, min(b, dim)), max(0, min(e, dim)), s))
            if shrink:
                squeeze.append(i)
        y = x[tuple(index)]
        for i in reversed(squeeze):
            y = y.squeeze(i)
        return y


FOLDABLE = {'DEQUANTIZE'}
