"""face-api's crop networks as ONNX models for the pipeline's mesh estimator: the 68-point landmark net (a second,
independent reading of the lips: the mesh's inner lips fail on laughing and turned faces) and the face
expression net (appearance evidence for the smile AUs, 6 and 12, that geometry reads poorly on small faces); see
docs/au-evidence.md.

Both are face-api's FaceFeatureExtractor (face_dense here, each net with its own weights), a 7x7 average pool
(global at 112x112) and a linear layer: to 136 values for the landmarks (68 x/y pairs relative to the square
input), to 7 logits for the expressions (a softmax in the graph gives face-api's probabilities). The normalisation
((pixel - mean) / 255, RGB) stays outside the graph and is written in the card, as for the AU bundles, so the
TypeScript side reuses its crop writer.
"""
import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .convert import FACE_API, convert_face_expression, convert_face_landmarks68
from .export import OPSET, TOLERANCE
from .face_dense import FaceDenseNet
from .models import NORMS
from .ort import run_ort

SIZE = 112
FIXTURE = 'training/tests/fixtures'
# face-api's FACE_EXPRESSION_LABELS, the order of its expression net's outputs.
EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised']


@dataclass(frozen=True)
class NetSpec:
    name: str
    outputs: int
    fc: str
    convert: object
    output_name: str
    meaning: str
    source: str
    softmax: bool


SPECS = {
    'landmarks68': NetSpec(
        'face-landmarks68', 136, 'landmark_fc', convert_face_landmarks68, 'landmarks',
        '68 (x, y) pairs in the 300-W/iBUG order, as fractions of the input side',
        '@vladmandic/face-api model/face_landmark_68_model (MIT): FaceLandmark68Net', False),
    'expressions': NetSpec(
        'face-expression', len(EXPRESSIONS), 'expression_fc', convert_face_expression, 'probabilities',
        'softmax probabilities of face-api\'s 7 expressions, in the order of "labels"',
        '@vladmandic/face-api model/face_expression_model (MIT): FaceExpressionNet', True),
}


class FaceApiCropNet(nn.Module):
    def __init__(self, outputs: int, softmax: bool):
        super().__init__()
        self.backbone = FaceDenseNet()
        self.fc = nn.Linear(256, outputs)
        self.softmax = softmax

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(torch.flatten(self.backbone(x).mean((2, 3)), 1))
        return torch.softmax(y, 1) if self.softmax else y


def load_face_api_net(kind: str, model_dir: Path | None = None) -> FaceApiCropNet:
    spec = SPECS[kind]
    blob = spec.convert(model_dir or FACE_API)
    m = FaceApiCropNet(spec.outputs, spec.softmax).eval()
    m.backbone.load_state_dict(blob['backbone'])
    m.fc.load_state_dict({'weight': blob['extra'][f'{spec.fc}.weight'], 'bias': blob['extra'][f'{spec.fc}.bias']})
    return m


def load_landmarks68(model_dir: Path | None = None) -> FaceApiCropNet:
    return load_face_api_net('landmarks68', model_dir)


def fixture_input(backbone: str = 'face_dense') -> torch.Tensor:
    """The fixture face (112x112 RGB, `face112.rgb`) as a [1, 3, 112, 112] batch, normalised for `backbone`
    (face_dense: as face-api does); the converter tests feed every converted network this face."""
    rgb = np.frombuffer(open(f'{FIXTURE}/face112.rgb', 'rb').read(), np.uint8).reshape(SIZE, SIZE, 3)
    n = NORMS[backbone]
    x = (rgb.astype(np.float32) - np.array(n['mean'], np.float32)) / np.array(n['std'], np.float32)
    return torch.from_numpy(x).permute(2, 0, 1)[None].float()


def face_api_reference(kind: str) -> np.ndarray:
    """face-api's own tfjs output on the fixture face (written by `node training/reference/make_refs.cjs`)."""
    if kind == 'landmarks68':
        return np.array(json.load(open(f'{FIXTURE}/faceapi-landmarks-reference.json'))['relative'], np.float32)
    return np.array(json.load(open(f'{FIXTURE}/faceapi-reference.json'))['faceExpression']['probabilities'], np.float32)


def export_face_api_net(kind: str, out_dir: str, model_dir: Path | None = None) -> dict:
    """Writes model.onnx + model.json; checks PyTorch against face-api's tfjs output and ORT against PyTorch."""
    spec = SPECS[kind]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = load_face_api_net(kind, model_dir)
    x = fixture_input()
    with torch.no_grad():
        ref = model(x).numpy()
    tfjs_diff = float(np.abs(ref[0] - face_api_reference(kind)).max())
    if tfjs_diff > TOLERANCE:
        raise AssertionError(f'converted {spec.name} differs from face-api (tfjs) by {tfjs_diff:.3g}')
    torch.onnx.export(
        model, torch.zeros(2, 3, SIZE, SIZE), str(out / 'model.onnx'), opset_version=OPSET,
        input_names=['input'], output_names=[spec.output_name],
        dynamic_axes={'input': {0: 'batch'}, spec.output_name: {0: 'batch'}}, do_constant_folding=True,
    )
    batch = torch.cat([x, torch.flip(x, [3])])
    with torch.no_grad():
        ref2 = model(batch).numpy()
    ort_diff = float(np.abs(run_ort(str(out / 'model.onnx'), batch.numpy())['output'] - ref2).max())
    if ort_diff > TOLERANCE:
        raise AssertionError(f'ONNX Runtime differs from PyTorch by {ort_diff:.3g} (> {TOLERANCE})')
    n = NORMS['face_dense']
    card = {
        'name': spec.name,
        'version': '1.0.0',
        'source': f'{spec.source}, weights unchanged (uint8-quantised in the package, dequantised q*scale+min)',
        'input': {'name': 'input', 'size': SIZE, 'layout': 'NCHW', 'mean': n['mean'], 'std': n['std'],
                  'colorOrder': 'RGB', 'range': 1},
        'output': {'name': spec.output_name, 'shape': ['batch', spec.outputs], 'meaning': spec.meaning,
                   **({'labels': EXPRESSIONS} if kind == 'expressions' else {})},
        'onnx': {'opset': OPSET, 'file': 'model.onnx', 'ortMaxAbsDiff': ort_diff, 'faceApiMaxAbsDiff': tfjs_diff},
        'date': datetime.date.today().isoformat(),
        'createdWith': f'python3 -m training face-api-net {kind} --out {out_dir}',
    }
    (out / 'model.json').write_text(json.dumps(card, indent=1) + '\n')
    return card


def export_landmarks68(out_dir: str, model_dir: Path | None = None) -> dict:
    return export_face_api_net('landmarks68', out_dir, model_dir)
