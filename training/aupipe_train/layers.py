"""Layers shared by the backbones that mirror TensorFlow graphs (whose weights we convert)."""
import warnings

import torch
import torch.nn.functional as F
from torch import nn


def tf_same_pads(size: int, k: int, s: int) -> tuple:
    """TensorFlow 'same' padding (before, after) for one axis: the extra pixel goes after, unlike PyTorch."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class _PaddedConv(torch.autograd.Function):
    """F.conv2d on the zero-padded input; exported as one ONNX Conv with (possibly asymmetric) `pads`. torch's
    export of F.pad builds the pads at run time (ConstantOfShape, Concat, Slice, ... and a Pad node), which keeps
    ONNX Runtime from fusing the conv into its blocked layout: the face-api crop nets took 1.7 ms a face with the
    Pad nodes, about 1.0 ms without (docs/performance.md)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride: int, groups: int, pads: tuple):  # noqa: ARG004 (ctx: autograd's)
        top, bottom, left, right = pads
        return F.conv2d(F.pad(x, (left, right, top, bottom)), weight, bias, stride, 0, 1, groups)

    @staticmethod
    def symbolic(g, x, weight, bias, stride: int, groups: int, pads: tuple):
        top, bottom, left, right = pads
        k = weight.type().sizes()[2:]
        ins = [x, weight] if bias is None or bias.node().mustBeNone() else [x, weight, bias]
        with warnings.catch_warnings():  # torch 1.13 flags g.op as moving to GraphContext; both work here
            warnings.simplefilter('ignore', FutureWarning)
            return g.op('Conv', *ins, kernel_shape_i=list(k), strides_i=[stride, stride],
                        pads_i=[top, left, bottom, right], group_i=groups, dilations_i=[1, 1])


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow 'same' padding, so converted TF weights give identical outputs."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, bias: bool = True):
        super().__init__(cin, cout, k, stride=stride, padding=0, groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        if k == 1 and s == 1:
            return super().forward(x)
        # int(): the input size is fixed per model, so tracing records constant pads (batch stays dynamic).
        ph = tf_same_pads(int(x.shape[-2]), k, s)
        pw = tf_same_pads(int(x.shape[-1]), k, s)
        if torch.onnx.is_in_onnx_export():
            return _PaddedConv.apply(x, self.weight, self.bias, s, self.groups, (*ph, *pw))
        return super().forward(F.pad(x, (pw[0], pw[1], ph[0], ph[1])))


class SeparableConv(nn.Module):
    """Depthwise 3x3 (no bias) then pointwise 1x1 with bias, as tf.separableConv2d + bias."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.depthwise = SameConv2d(cin, cin, 3, stride=stride, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))
