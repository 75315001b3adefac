"""MobileNetV1 (Howard et al. 2017) with a width multiplier; torchvision has none."""
import torch
from torch import nn

from .layers import SameConv2d

# (output channels at width 1.0, stride of the depthwise conv) for the 13 separable pairs.
_PAIRS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
BN_EPS = 1e-3  # TensorFlow's default, so converted BatchNorm stats behave identically.


def _cbr(cin: int, cout: int, k: int, stride: int, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        SameConv2d(cin, cout, k, stride=stride, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=BN_EPS),
        nn.ReLU6(inplace=True),
    )


class MobileNetV1(nn.Module):
    """Stem + 13 depthwise-separable pairs; `blocks[i]` is one unit for partial fine-tuning."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        c = lambda n: max(8, int(n * width))  # noqa: E731
        layers = [_cbr(3, c(32), 3, 2)]
        cin = c(32)
        for cout, stride in _PAIRS:
            layers.append(nn.Sequential(_cbr(cin, cin, 3, stride, groups=cin), _cbr(cin, c(cout), 1, 1)))
            cin = c(cout)
        self.blocks = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)
