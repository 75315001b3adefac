"""Layers shared by the backbones that mirror TensorFlow graphs (whose weights we convert)."""
import torch
import torch.nn.functional as F
from torch import nn


def tf_same_pads(size: int, k: int, s: int) -> tuple:
    """TensorFlow 'same' padding (before, after) for one axis: the extra pixel goes after, unlike PyTorch."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


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
        return super().forward(F.pad(x, (pw[0], pw[1], ph[0], ph[1])))


class SeparableConv(nn.Module):
    """Depthwise 3x3 (no bias) then pointwise 1x1 with bias, as tf.separableConv2d + bias."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.depthwise = SameConv2d(cin, cin, 3, stride=stride, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))
