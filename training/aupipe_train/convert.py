"""Converters from the pretrained weights that ship offline (npm packages) to our PyTorch backbones.

Each returns {'backbone': state_dict, 'extra': {...}, 'source': str, 'backbone_name': str} to save with
torch.save and load with `--pretrained`.
"""
from pathlib import Path

import numpy as np
import torch

from .mobilenet_v1 import BN_EPS
from .tfjs_weights import conv_hwio, depthwise_hwcm, load_tfjs_weights

FACE_API = Path('node_modules/@vladmandic/face-api/model')


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def convert_face_expression(model_dir: Path = FACE_API) -> dict:
    """face-api face_expression_model: FaceFeatureExtractor (-> face_dense) + its 7-way expression fc."""
    w = load_tfjs_weights(str(Path(model_dir) / 'face_expression_model-weights_manifest.json'))
    sd = {}
    for b in range(4):
        p, q = f'dense{b}', f'blocks.{b}'
        if b == 0:
            sd[f'{q}.conv0.weight'] = _t(conv_hwio(w[f'{p}/conv0/filters']))
            sd[f'{q}.conv0.bias'] = _t(w[f'{p}/conv0/bias'])
        for i in range(0 if b else 1, 4):
            sd[f'{q}.conv{i}.depthwise.weight'] = _t(depthwise_hwcm(w[f'{p}/conv{i}/depthwise_filter']))
            sd[f'{q}.conv{i}.pointwise.weight'] = _t(conv_hwio(w[f'{p}/conv{i}/pointwise_filter']))
            sd[f'{q}.conv{i}.pointwise.bias'] = _t(w[f'{p}/conv{i}/bias'])
    extra = {'expression_fc.weight': _t(w['fc/weights'].T), 'expression_fc.bias': _t(w['fc/bias'])}
    return {
        'backbone_name': 'face_dense',
        'backbone': sd,
        'extra': extra,
        'source': '@vladmandic/face-api model/face_expression_model (FaceFeatureExtractor, trained on faces for 7 expressions)',
    }


def _identity_bn(prefix: str, offset: np.ndarray, sd: dict) -> None:
    """A TF conv with folded BN has only an offset: BN(x) = x + offset with mean 0 and var 1 - eps."""
    n = offset.shape[0]
    sd[f'{prefix}.weight'] = torch.ones(n)
    sd[f'{prefix}.bias'] = _t(offset)
    sd[f'{prefix}.running_mean'] = torch.zeros(n)
    sd[f'{prefix}.running_var'] = torch.full((n,), 1.0 - BN_EPS)
    sd[f'{prefix}.num_batches_tracked'] = torch.tensor(0)


def convert_ssd_mobilenetv1(model_dir: Path = FACE_API) -> dict:
    """face-api ssd_mobilenetv1_model: its MobileNetV1 (width 1.0) backbone, trained on faces (WIDER FACE)."""
    w = load_tfjs_weights(str(Path(model_dir) / 'ssd_mobilenetv1_model-weights_manifest.json'))
    p = 'MobilenetV1/Conv2d_'
    sd = {'blocks.0.0.weight': _t(conv_hwio(w[f'{p}0_pointwise/weights']))}
    _identity_bn('blocks.0.1', w[f'{p}0_pointwise/convolution_bn_offset'], sd)
    for i in range(1, 14):
        d, q = f'{p}{i}_depthwise', f'blocks.{i}'
        sd[f'{q}.0.0.weight'] = _t(depthwise_hwcm(w[f'{d}/depthwise_weights']))
        sd[f'{q}.0.1.weight'] = _t(w[f'{d}/BatchNorm/gamma'])
        sd[f'{q}.0.1.bias'] = _t(w[f'{d}/BatchNorm/beta'])
        sd[f'{q}.0.1.running_mean'] = _t(w[f'{d}/BatchNorm/moving_mean'])
        sd[f'{q}.0.1.running_var'] = _t(w[f'{d}/BatchNorm/moving_variance'])
        sd[f'{q}.0.1.num_batches_tracked'] = torch.tensor(0)
        sd[f'{q}.1.0.weight'] = _t(conv_hwio(w[f'{p}{i}_pointwise/weights']))
        _identity_bn(f'{q}.1.1', w[f'{p}{i}_pointwise/convolution_bn_offset'], sd)
    return {
        'backbone_name': 'mobilenet_v1',
        'backbone': sd,
        'extra': {},
        'source': '@vladmandic/face-api model/ssd_mobilenetv1_model (MobileNetV1 1.0 backbone of an SSD face detector)',
    }


CONVERTERS = {'face-expression': convert_face_expression, 'ssd-mobilenetv1': convert_ssd_mobilenetv1}


def load_pretrained(model: torch.nn.Module, path: str) -> str:
    """Loads a converted file or a plain torchvision-style state dict into `model.backbone`; returns its source."""
    blob = torch.load(path, map_location='cpu')
    if isinstance(blob, dict) and 'backbone' in blob and isinstance(blob['backbone'], dict):
        sd, source = blob['backbone'], blob.get('source', path)
    else:  # a torchvision state dict: keep the `features.` part
        sd = {k[len('features.'):]: v for k, v in blob.items() if k.startswith('features.')}
        sd, source = sd, f'torchvision-style state dict {path}'
    target = model.backbone
    if hasattr(target, 'final_relu') or not any(k.startswith('blocks.') for k in sd):
        sd = {k if k.startswith('blocks.') else f'blocks.{k}': v for k, v in sd.items()}
    missing, unexpected = target.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise ValueError(f'pretrained weights do not fit {model.backbone_name}: missing {missing[:5]}, unexpected {unexpected[:5]}')
    return source
