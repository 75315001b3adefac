"""face-api's SSD-MobileNetV1 face detector (trained on WIDER FACE, which is rich in small, crowded faces) as an ONNX
model for the detect stage: the candidate issue #23 asks to measure beside MediaPipe's short- and full-range BlazeFace.

face-api builds this graph in code from a weights manifest (no tfjs graph to convert op for op), so it is rebuilt
here in PyTorch from the same weights, layer for layer as face-api's `ssdMobilenetv1/` computes it:

- MobileNetV1 1.0 (the backbone `convert_ssd_mobilenetv1` already maps), its 11th pair's output kept (`conv11`);
- eight extra convs on the last (1x1 then 3x3 stride 2, four times; TensorFlow 'same' padding, relu6);
- six box predictors (1x1 convs: 3 anchors on conv11, 6 on each of the others: 32², 16², 8², 4², 2², 1² cells at a
  512² input, 5118 anchors) giving 4 box encodings and 3 class logits per anchor;
- the decoding against the anchors in the weights (`Output/extra_dim`, [ymin, xmin, ymax, xmax] normalised) with
  the SSD scales 10, 10, 5, 5; the face score is the sigmoid of class 1.

In the graph: the input normalisation (pixel * 2/255 - 1, as face-api) and the decoding. Outside it (TypeScript):
the letterbox to 512², the score threshold and non-maximum suppression.

Input `input` [batch, 512, 512, 3] NHWC RGB 0..255 float32; outputs `boxes` [batch, 5118, 4] (ymin, xmin, ymax,
xmax as fractions of the input side) and `scores` [batch, 5118].
"""
import datetime
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .convert import FACE_API, _t, convert_ssd_mobilenetv1
from .export import OPSET
from .layers import SameConv2d
from .mobilenet_v1 import MobileNetV1
from .ort import run_ort
from .tfjs_weights import conv_hwio, load_tfjs_weights

SIZE = 512
ANCHORS = 5118
MANIFEST = 'ssd_mobilenetv1_model-weights_manifest.json'
# (input channels, output channels, kernel, stride) of Prediction/Conv2d_{0..7}_pointwise
EXTRA = [(1024, 256, 1, 1), (256, 512, 3, 2), (512, 128, 1, 1), (128, 256, 3, 2),
         (256, 128, 1, 1), (128, 256, 3, 2), (256, 64, 1, 1), (64, 128, 3, 2)]
# input channels and anchors per cell of BoxPredictor_{0..5}
PREDICTORS = [(512, 3), (1024, 6), (512, 6), (256, 6), (256, 6), (128, 6)]


class Relu6Conv(nn.Module):
    """face-api's pointwiseConvLayer: conv ('same') + the folded batch-norm offset, then relu6."""

    def __init__(self, cin: int, cout: int, k: int, stride: int):
        super().__init__()
        self.conv = SameConv2d(cin, cout, k, stride=stride, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(self.conv(x), 0.0, 6.0)


class FaceApiSsd(nn.Module):
    def __init__(self, anchors: np.ndarray):
        super().__init__()
        self.backbone = MobileNetV1()
        self.extra = nn.ModuleList([Relu6Conv(*e) for e in EXTRA])
        self.box = nn.ModuleList([nn.Conv2d(c, a * 4, 1) for c, a in PREDICTORS])
        self.cls = nn.ModuleList([nn.Conv2d(c, a * 3, 1) for c, a in PREDICTORS])
        a = torch.from_numpy(np.asarray(anchors, np.float32).reshape(-1, 4))
        self.register_buffer('anchor_size', torch.stack([a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]], 1))
        self.register_buffer('anchor_centre', a[:, :2] + self.anchor_size / 2)

    def forward(self, x: torch.Tensor) -> tuple:
        x = x.permute(0, 3, 1, 2) * 0.007843137718737125 - 1.0
        feats = []
        for i, block in enumerate(self.backbone.blocks):
            x = block(x)
            if i == 11:
                feats.append(x)
        feats.append(x)
        for i, conv in enumerate(self.extra):
            x = conv(x)
            if i % 2 == 1:
                feats.append(x)
        b = x.shape[0]
        # NHWC order before flattening, as tfjs reshapes its NHWC maps: cell by cell, anchor by anchor
        enc = torch.cat([p(f).permute(0, 2, 3, 1).reshape(b, -1, 4) for p, f in zip(self.box, feats)], 1)
        logits = torch.cat([p(f).permute(0, 2, 3, 1).reshape(b, -1, 3) for p, f in zip(self.cls, feats)], 1)
        size = self.anchor_size[None]
        centre = enc[..., :2] / 10.0 * size + self.anchor_centre[None]
        half = torch.exp(enc[..., 2:] / 5.0) * size / 2.0
        boxes = torch.cat([centre - half, centre + half], 2)
        return boxes, torch.sigmoid(logits[..., 1])


def load_face_api_ssd(model_dir: Path | None = None) -> FaceApiSsd:
    model_dir = Path(model_dir or FACE_API)
    w = load_tfjs_weights(str(model_dir / MANIFEST))
    m = FaceApiSsd(w['Output/extra_dim']).eval()
    m.backbone.load_state_dict(convert_ssd_mobilenetv1(model_dir)['backbone'])
    for i, conv in enumerate(m.extra):
        p = f'Prediction/Conv2d_{i}_pointwise'
        conv.conv.load_state_dict({'weight': _t(conv_hwio(w[f'{p}/weights'])),
                                   'bias': _t(w[f'{p}/convolution_bn_offset'])})
    for i in range(len(PREDICTORS)):
        for head, name in ((m.box[i], 'BoxEncodingPredictor'), (m.cls[i], 'ClassPredictor')):
            p = f'Prediction/BoxPredictor_{i}/{name}'
            head.load_state_dict({'weight': _t(conv_hwio(w[f'{p}/weights'])), 'bias': _t(w[f'{p}/biases'])})
    return m


def check_input(seed: int = 0) -> np.ndarray:
    """A deterministic [2, 512, 512, 3] 0..255 input with structure at every scale (the export's ORT check)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    base = 127.5 + 100 * np.sin(6 * np.pi * xx[..., None] * np.array([1, 2, 3])) * np.cos(4 * np.pi * yy[..., None])
    x = np.stack([base, base[::-1]]) + rng.normal(0, 20, (2, SIZE, SIZE, 3))
    return np.clip(x, 0, 255).astype(np.float32)


def export_face_api_ssd(out_path: str, model_dir: Path | None = None) -> dict:
    """Writes the ONNX model and, beside it, its card (`<name>.json`); checks ORT against PyTorch (the test
    `test/detect/ssd-graph.test.ts` checks ORT against face-api's own tfjs forward pass on a real photo)."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    model = load_face_api_ssd(model_dir)
    torch.onnx.export(
        model, torch.zeros(1, SIZE, SIZE, 3), str(out), opset_version=OPSET, input_names=['input'],
        output_names=['boxes', 'scores'], dynamic_axes={'input': {0: 'batch'}, 'boxes': {0: 'batch'},
                                                        'scores': {0: 'batch'}}, do_constant_folding=True,
    )
    x = check_input()
    with torch.no_grad():
        boxes, scores = (t.numpy() for t in model(torch.from_numpy(x)))
    got = run_ort(str(out), x)['outputs']
    diff = max(float(np.abs(got['boxes'] - boxes).max()), float(np.abs(got['scores'] - scores).max()))
    if diff > 1e-4:
        raise AssertionError(f'ONNX Runtime differs from PyTorch by {diff:.3g} (> 1e-4)')
    card = {
        'name': out.stem,
        'source': '@vladmandic/face-api model/ssd_mobilenetv1_model (MIT; SSD-MobileNetV1 trained on WIDER FACE), '
                  'weights unchanged (uint8-quantised in the package, dequantised q*scale+min)',
        'input': {'name': 'input', 'shape': ['batch', SIZE, SIZE, 3], 'layout': 'NHWC', 'range': '0..255 RGB'},
        'outputs': {'boxes': ['batch', ANCHORS, 4], 'scores': ['batch', ANCHORS],
                    'meaning': 'boxes as (ymin, xmin, ymax, xmax) fractions of the input side; scores: face '
                               'probability per anchor (no threshold, no suppression in the graph)'},
        'onnx': {'opset': OPSET, 'ortMaxAbsDiffVsPyTorch': diff},
        'date': datetime.date.today().isoformat(),
        'createdWith': f'/usr/bin/python3 -m training face-api-ssd --out {out_path}',
    }
    out.with_suffix('.json').write_text(json.dumps(card, indent=1) + '\n')
    return card
