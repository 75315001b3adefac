"""Backbone factory and the multi-label AU head."""
import torch
import torchvision
from torch import nn

from .face_dense import FaceDenseNet
from .layers import SameConv2d
from .mobilenet_v1 import MobileNetV1

BACKBONES = ['mobilenet_v1', 'mobilenet_v2', 'mobilenet_v2_tf', 'densenet121', 'face_dense']

# Input normalisation per backbone's weight source, in pixel units: x = (pixel - mean) / std, pixel in [0, 255].
IMAGENET = {'mean': [123.675, 116.28, 103.53], 'std': [58.395, 57.12, 57.375]}
NORMS = {
    'mobilenet_v1': {'mean': [127.5] * 3, 'std': [127.5] * 3},  # face-api SSD (TF object detection API)
    'mobilenet_v2': IMAGENET,  # torchvision
    'mobilenet_v2_tf': {'mean': [0.0] * 3, 'std': [255.0] * 3},  # nsfwjs divides by 255
    'densenet121': IMAGENET,
    'face_dense': {'mean': [122.782, 117.001, 104.298], 'std': [255.0] * 3},  # face-api FaceFeatureExtractor
}


class _Features(nn.Module):
    """Wraps torchvision `features` so every backbone exposes `.blocks` (ordered units) and `.out_channels`."""

    def __init__(self, blocks: nn.Sequential, out_channels: int, final_relu: bool = False):
        super().__init__()
        self.blocks = blocks
        self.out_channels = out_channels
        self.final_relu = final_relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(x)
        return torch.relu(x) if self.final_relu else x


def _tf_padding(module: nn.Module) -> None:
    """Keras pads stride-2 3x3 convs asymmetrically (ZeroPadding2D ((0,1),(0,1))) and uses BN eps 1e-3."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Conv2d) and child.stride[0] == 2 and child.kernel_size[0] == 3:
            same = SameConv2d(child.in_channels, child.out_channels, 3, 2, child.groups, child.bias is not None)
            setattr(module, name, same)
        elif isinstance(child, nn.BatchNorm2d):
            child.eps = 1e-3
        else:
            _tf_padding(child)


def build_backbone(name: str, width: float = 1.0) -> nn.Module:
    if name == 'mobilenet_v1':
        return MobileNetV1(width)
    if name == 'face_dense':
        return FaceDenseNet()
    if name in ('mobilenet_v2', 'mobilenet_v2_tf'):
        net = torchvision.models.mobilenet_v2(weights=None, width_mult=width)
        if name == 'mobilenet_v2_tf':
            _tf_padding(net.features)
        return _Features(net.features, net.last_channel)
    if name == 'densenet121':
        net = torchvision.models.densenet121(weights=None)
        return _Features(net.features, 1024, final_relu=True)
    raise ValueError(f'unknown backbone {name!r}; choose from {BACKBONES}')


class AuNet(nn.Module):
    """backbone -> global average pool -> dropout -> linear -> one logit per AU."""

    def __init__(self, backbone: str, n_aus: int, width: float = 1.0, dropout: float = 0.2):
        super().__init__()
        self.backbone_name = backbone
        self.backbone = build_backbone(backbone, width)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.backbone.out_channels, n_aus)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.backbone(x)), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


class Probabilities(nn.Module):
    """The exported graph: sigmoid on top, so ONNX outputs probabilities."""

    def __init__(self, net: AuNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_mflops(model: nn.Module, size: int) -> float:
    """Multiply-accumulates of convs and linears per face, in millions (the usual 'MFLOPs' of MobileNet papers)."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
            total[0] += out.numel() * k
        elif isinstance(mod, nn.Linear):
            total[0] += mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was)
    for h in hooks:
        h.remove()
    return total[0] / 1e6
