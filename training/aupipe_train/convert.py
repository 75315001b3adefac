"""Converters from the pretrained weights that ship offline (npm packages) to our PyTorch backbones.

Each returns {'backbone': state_dict, 'extra': {...}, 'source': str, 'backbone_name': str} to save with
torch.save and load with `--pretrained`.
"""
import warnings
from pathlib import Path

import numpy as np
import torch

from .mobilenet_v1 import BN_EPS
from .tfjs_weights import conv_hwio, depthwise_hwcm, load_tfjs_js_bundle, load_tfjs_weights

FACE_API = Path('node_modules/@vladmandic/face-api/model')
NSFWJS_MOBILENETV2 = Path('node_modules/nsfwjs/dist/models/mobilenet_v2')


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _face_feature_extractor(w: dict) -> dict:
    """face-api's FaceFeatureExtractor weights (dense0..dense3) as a face_dense state dict."""
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
    return sd


def _face_api_net(model_dir: Path, model: str, head: str, source: str) -> dict:
    """A face-api net built on the FaceFeatureExtractor: its backbone as face_dense plus its fc as `extra`."""
    w = load_tfjs_weights(str(Path(model_dir) / f'{model}-weights_manifest.json'))
    extra = {f'{head}.weight': _t(w['fc/weights'].T), f'{head}.bias': _t(w['fc/bias'])}
    return {'backbone_name': 'face_dense', 'backbone': _face_feature_extractor(w), 'extra': extra, 'source': source}


def convert_face_expression(model_dir: Path = FACE_API) -> dict:
    """face-api face_expression_model: FaceFeatureExtractor (-> face_dense) + its 7-way expression fc."""
    return _face_api_net(model_dir, 'face_expression_model', 'expression_fc',
                         '@vladmandic/face-api model/face_expression_model (FaceFeatureExtractor, trained on faces for 7 expressions)')


def convert_face_landmarks68(model_dir: Path = FACE_API) -> dict:
    """face-api face_landmark_68_model: the same FaceFeatureExtractor (-> face_dense) + a 136-output fc
    (68 x/y pairs relative to the square input)."""
    return _face_api_net(model_dir, 'face_landmark_68_model', 'landmark_fc',
                         '@vladmandic/face-api model/face_landmark_68_model (FaceFeatureExtractor, trained on faces for 68 landmarks)')


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


def _keras_bn(prefix: str, w: dict, name: str, sd: dict) -> None:
    sd[f'{prefix}.weight'] = _t(w.pop(f'{name}/gamma'))
    sd[f'{prefix}.bias'] = _t(w.pop(f'{name}/beta'))
    sd[f'{prefix}.running_mean'] = _t(w.pop(f'{name}/moving_mean'))
    sd[f'{prefix}.running_var'] = _t(w.pop(f'{name}/moving_variance'))
    sd[f'{prefix}.num_batches_tracked'] = torch.tensor(0)


def convert_nsfwjs_mobilenetv2(model_dir: Path = NSFWJS_MOBILENETV2) -> dict:
    """nsfwjs's Keras MobileNetV2 (alpha 1.0, 224x224) -> torchvision mobilenet_v2 `features` (as our `blocks`).

    Keras: Conv1/bn_Conv1, expanded_conv_{depthwise,project}(_BN), block_1..16_{expand,depthwise,project}(_BN),
    Conv_1/Conv_1_bn; torchvision: features.0, features.1 (no expansion), features.2..17, features.18.
    BatchNorm statistics are stored as Keras has them (eps 1e-3, `bn_eps` in the blob): exact in `mobilenet_v2_tf`;
    `load_pretrained` shifts running_var by the eps difference when the target BN uses another eps (torchvision 1e-5).
    The 5-class head (dense_1 256 relu -> dense_2 128 relu -> dense_3 5 softmax, on the pooled 1280 features) goes
    to 'extra'.
    """
    model_dir = Path(model_dir)
    if not (model_dir / 'model.min.js').exists():
        raise FileNotFoundError(f'{model_dir}/model.min.js not found: run `npm ci` (nsfwjs is a devDependency)')
    model, w = load_tfjs_js_bundle(str(model_dir))
    eps = {layer['name']: layer['config']['epsilon'] for layer in model['modelTopology']['model_config']['config']['layers']
           if layer['class_name'] == 'BatchNormalization'}
    if set(eps.values()) != {1e-3}:
        raise ValueError(f'expected Keras BatchNorm eps 1e-3 throughout, got {sorted(set(eps.values()))}')
    sd = {'blocks.0.0.weight': _t(conv_hwio(w.pop('Conv1/kernel')))}
    _keras_bn('blocks.0.1', w, 'bn_Conv1', sd)
    sd['blocks.1.conv.0.0.weight'] = _t(depthwise_hwcm(w.pop('expanded_conv_depthwise/depthwise_kernel')))
    _keras_bn('blocks.1.conv.0.1', w, 'expanded_conv_depthwise_BN', sd)
    sd['blocks.1.conv.1.weight'] = _t(conv_hwio(w.pop('expanded_conv_project/kernel')))
    _keras_bn('blocks.1.conv.2', w, 'expanded_conv_project_BN', sd)
    for i in range(1, 17):
        q, k = f'blocks.{i + 1}.conv', f'block_{i}'
        sd[f'{q}.0.0.weight'] = _t(conv_hwio(w.pop(f'{k}_expand/kernel')))
        _keras_bn(f'{q}.0.1', w, f'{k}_expand_BN', sd)
        sd[f'{q}.1.0.weight'] = _t(depthwise_hwcm(w.pop(f'{k}_depthwise/depthwise_kernel')))
        _keras_bn(f'{q}.1.1', w, f'{k}_depthwise_BN', sd)
        sd[f'{q}.2.weight'] = _t(conv_hwio(w.pop(f'{k}_project/kernel')))
        _keras_bn(f'{q}.3', w, f'{k}_project_BN', sd)
    sd['blocks.18.0.weight'] = _t(conv_hwio(w.pop('Conv_1/kernel')))
    _keras_bn('blocks.18.1', w, 'Conv_1_bn', sd)
    extra = {}
    for d in ('dense_1', 'dense_2', 'dense_3'):
        extra[f'{d}.weight'] = _t(w.pop(f'{d}/kernel').T)
        extra[f'{d}.bias'] = _t(w.pop(f'{d}/bias'))
    if w:
        raise ValueError(f'unconverted nsfwjs weights: {sorted(w)[:5]}')
    return {
        'backbone_name': 'mobilenet_v2_tf',
        'backbone': sd,
        'bn_eps': 1e-3,
        'extra': extra,
        'source': 'nsfwjs 4.4 MobileNetV2 (Keras, alpha 1.0, 224x224 input in [0,1]): ImageNet-initialised, then fine-tuned '
                  'by nsfwjs for 5-class content classification (Drawing/Hentai/Neutral/Porn/Sexy); weights uint8-quantised '
                  '(dequantised q*scale+min)',
    }


CONVERTERS = {
    'face-expression': convert_face_expression,
    'face-landmarks68': convert_face_landmarks68,
    'ssd-mobilenetv1': convert_ssd_mobilenetv1,
    'nsfwjs-mobilenetv2': convert_nsfwjs_mobilenetv2,
}


def load_pretrained(model: torch.nn.Module, path: str) -> str:
    """Loads a converted file or a plain torchvision-style state dict into `model.backbone`; returns its source."""
    blob = torch.load(path, map_location='cpu')
    bn_eps = made_for = None
    if isinstance(blob, dict) and 'backbone' in blob and isinstance(blob['backbone'], dict):
        sd, source, bn_eps = dict(blob['backbone']), blob.get('source', path), blob.get('bn_eps')
        made_for = blob.get('backbone_name')
    else:  # a torchvision state dict: keep the `features.` part
        sd = {k[len('features.'):]: v for k, v in blob.items() if k.startswith('features.')}
        sd, source = sd, f'torchvision-style state dict {path}'
    target = model.backbone
    if hasattr(target, 'final_relu') or not any(k.startswith('blocks.') for k in sd):
        sd = {k if k.startswith('blocks.') else f'blocks.{k}': v for k, v in sd.items()}
    if bn_eps is not None:  # BN(x) depends on var + eps: keep var + eps when the target BN uses another eps
        for name, mod in target.named_modules():
            key = f'{name}.running_var'
            if isinstance(mod, torch.nn.BatchNorm2d) and key in sd and mod.eps != bn_eps:
                sd[key] = sd[key] + (bn_eps - mod.eps)
    missing, unexpected = target.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise ValueError(f'pretrained weights do not fit {model.backbone_name}: missing {missing[:5]}, unexpected {unexpected[:5]}')
    if made_for and made_for != model.backbone_name:
        warnings.warn(f'{path} was converted for backbone {made_for}; {model.backbone_name} takes the tensors but its '
                      f'padding and input normalisation can differ, so it does not reproduce the source network')
        source = f'{source} [converted for {made_for}, loaded into {model.backbone_name}]'
    return source
