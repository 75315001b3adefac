"""face-api's 68-point landmark net as an ONNX model for the pipeline's mesh estimator (a second, independent
reading of the lips: the mesh's inner lips fail on laughing and turned faces, see docs/au-evidence.md).

The network is face-api's FaceLandmark68Net: the FaceFeatureExtractor (face_dense here), a 7x7 average pool
(global at 112x112) and a linear layer to 136 values, the 68 x/y pairs relative to the square input. The
normalisation ((pixel - mean) / 255, RGB) stays outside the graph and is written in the card, as for the AU
bundles, so the TypeScript side reuses its crop writer.
"""
import datetime
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .convert import FACE_API, convert_face_landmarks68
from .export import OPSET, TOLERANCE
from .face_dense import FaceDenseNet
from .models import NORMS
from .ort import run_ort

SIZE = 112
FIXTURE = 'training/tests/fixtures'


class Landmarks68(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = FaceDenseNet()
        self.fc = nn.Linear(256, 136)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.backbone(x).mean((2, 3)), 1))


def load_landmarks68(model_dir: Path | None = None) -> Landmarks68:
    blob = convert_face_landmarks68(model_dir or FACE_API)
    m = Landmarks68().eval()
    m.backbone.load_state_dict(blob['backbone'])
    m.fc.load_state_dict({'weight': blob['extra']['landmark_fc.weight'], 'bias': blob['extra']['landmark_fc.bias']})
    return m


def fixture_input(backbone: str = 'face_dense') -> torch.Tensor:
    """The fixture face (112x112 RGB, `face112.rgb`) as a [1, 3, 112, 112] batch, normalised for `backbone`
    (face_dense: as face-api does); the converter tests feed every converted network this face."""
    rgb = np.frombuffer(open(f'{FIXTURE}/face112.rgb', 'rb').read(), np.uint8).reshape(SIZE, SIZE, 3)
    n = NORMS[backbone]
    x = (rgb.astype(np.float32) - np.array(n['mean'], np.float32)) / np.array(n['std'], np.float32)
    return torch.from_numpy(x).permute(2, 0, 1)[None].float()


def export_landmarks68(out_dir: str, model_dir: Path | None = None) -> dict:
    """Writes model.onnx + model.json; checks PyTorch against face-api's tfjs output and ORT against PyTorch."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = load_landmarks68(model_dir)
    x = fixture_input()
    with torch.no_grad():
        ref = model(x).numpy()
    tfjs = np.array(json.load(open(f'{FIXTURE}/faceapi-landmarks-reference.json'))['relative'], np.float32)
    tfjs_diff = float(np.abs(ref[0] - tfjs).max())
    if tfjs_diff > TOLERANCE:
        raise AssertionError(f'converted landmark net differs from face-api (tfjs) by {tfjs_diff:.3g}')
    torch.onnx.export(
        model, torch.zeros(2, 3, SIZE, SIZE), str(out / 'model.onnx'), opset_version=OPSET,
        input_names=['input'], output_names=['landmarks'],
        dynamic_axes={'input': {0: 'batch'}, 'landmarks': {0: 'batch'}}, do_constant_folding=True,
    )
    batch = torch.cat([x, torch.flip(x, [3])])
    with torch.no_grad():
        ref2 = model(batch).numpy()
    ort_diff = float(np.abs(run_ort(str(out / 'model.onnx'), batch.numpy())['output'] - ref2).max())
    if ort_diff > TOLERANCE:
        raise AssertionError(f'ONNX Runtime differs from PyTorch by {ort_diff:.3g} (> {TOLERANCE})')
    n = NORMS['face_dense']
    card = {
        'name': 'face-landmarks68',
        'version': '1.0.0',
        'source': '@vladmandic/face-api model/face_landmark_68_model (MIT): FaceLandmark68Net, weights unchanged '
                  '(uint8-quantised in the package, dequantised q*scale+min)',
        'input': {'name': 'input', 'size': SIZE, 'layout': 'NCHW', 'mean': n['mean'], 'std': n['std'],
                  'colorOrder': 'RGB', 'range': 1},
        'output': {'name': 'landmarks', 'shape': ['batch', 136],
                   'meaning': '68 (x, y) pairs in the 300-W/iBUG order, as fractions of the input side'},
        'onnx': {'opset': OPSET, 'file': 'model.onnx', 'ortMaxAbsDiff': ort_diff, 'faceApiMaxAbsDiff': tfjs_diff},
        'date': datetime.date.today().isoformat(),
        'createdWith': 'python3 -m training landmarks --out models/face-landmarks68',
    }
    (out / 'model.json').write_text(json.dumps(card, indent=1) + '\n')
    return card
