"""face-api's FaceFeatureExtractor (the backbone of its face expression net), re-implemented to host its weights.

Four dense blocks of depthwise-separable convolutions; 112x112 input -> 256 x 7 x 7.
"""
import torch
from torch import nn

from .layers import SameConv2d, SeparableConv


class DenseBlock4(nn.Module):
    def __init__(self, cin: int, cout: int, first: bool):
        super().__init__()
        self.conv0 = SameConv2d(cin, cout, 3, stride=2) if first else SeparableConv(cin, cout, stride=2)
        self.conv1 = SeparableConv(cout, cout)
        self.conv2 = SeparableConv(cout, cout)
        self.conv3 = SeparableConv(cout, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out1 = torch.relu(self.conv0(x))
        out2 = self.conv1(out1)
        out3 = self.conv2(torch.relu(out1 + out2))
        out4 = self.conv3(torch.relu(out1 + out2 + out3))
        return torch.relu(out1 + out2 + out3 + out4)


class FaceDenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(
            DenseBlock4(3, 32, True), DenseBlock4(32, 64, False), DenseBlock4(64, 128, False), DenseBlock4(128, 256, False)
        )
        self.out_channels = 256

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)
