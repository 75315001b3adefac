"""A TFLite subgraph as a torch.nn.Module: constants folded at build time, then one TfliteOp per operator."""
import numpy as np
import torch
from torch import nn

from .flatbuf import TfliteModel
from .ops import TfliteOp, dequantize


class TfliteGraph(nn.Module):
    def __init__(self, model: TfliteModel, batched: bool = True, output_names: list = None):
        super().__init__()
        self.batched = batched
        T = model.tensors
        const = {t.index: t.data for t in T if t.data is not None}
        self.input_ids = list(model.inputs)
        self.output_ids = list(model.outputs)
        self.input_names = [T[i].name for i in self.input_ids]
        self.output_names = output_names or [T[i].name for i in self.output_ids]
        self.input_shapes = [T[i].shape for i in self.input_ids]
        self.output_shapes = [T[i].shape for i in self.output_ids]
        self.ops = nn.ModuleList()
        self.wiring = []  # (run-time input tensor ids, output tensor ids) per op in self.ops
        for op in model.ops:
            if op.name == 'DEQUANTIZE' and op.inputs[0] in const:  # fp16 weights → fp32 constants
                const[op.outputs[0]] = dequantize(T[op.inputs[0]])
                continue
            ins = [i for i in op.inputs if i >= 0]  # -1 = an optional input left out (e.g. no bias)
            consts = [None if i not in const else dequantize(T[i]) if T[i].dtype == 'float16' else const[i] for i in ins]
            mod = TfliteOp(op, consts, [T[i].shape for i in ins], [T[o].shape for o in op.outputs], batched)
            self.ops.append(mod)
            self.wiring.append(([i for i in ins if i not in const], list(op.outputs)))

    def forward(self, *xs):
        env = dict(zip(self.input_ids, xs))
        for mod, (ins, outs) in zip(self.ops, self.wiring):
            for o, y in zip(outs, mod(*[env[i] for i in ins])):
                env[o] = y
        outs = tuple(env[o] for o in self.output_ids)
        return outs if len(outs) > 1 else outs[0]


def load_graph(data: bytes, batched: bool = True, output_names: list = None) -> TfliteGraph:
    return TfliteGraph(TfliteModel(data), batched=batched, output_names=output_names).eval()


def param_count(g: TfliteGraph) -> int:
    return int(sum(np.prod(b.shape) for b in g.buffers()))
