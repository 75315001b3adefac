"""ONNX export + model card + numerical-agreement fixture, checked against ONNX Runtime."""
import base64
import datetime
import json
from pathlib import Path

import numpy as np
import torch

from .augment import normalize
from .models import NORMS, AuNet, Probabilities, count_mflops, count_params
from .ort import run_ort

OPSET = 13
TOLERANCE = 1e-4


def json_safe(obj):
    """NaN/inf (e.g. AUC of an AU with no positives) become null: JSON.parse rejects NaN."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def export_onnx(model: AuNet, size: int, path: Path) -> None:
    wrapped = Probabilities(model).eval()
    dummy = torch.zeros(2, 3, size, size)
    torch.onnx.export(
        wrapped, dummy, str(path), opset_version=OPSET, input_names=['input'], output_names=['probabilities'],
        dynamic_axes={'input': {0: 'batch'}, 'probabilities': {0: 'batch'}}, do_constant_folding=True,
    )


def check_ort(model: AuNet, onnx_path: Path, crops: torch.Tensor, bench: int = 0, cwd: str = '.') -> dict:
    """Runs the same normalised crops through PyTorch and ONNX Runtime; raises if they differ by > TOLERANCE."""
    norm = NORMS[model.backbone_name]
    x = normalize(crops.float(), norm['mean'], norm['std'])
    with torch.no_grad():
        ref = Probabilities(model).eval()(x).numpy()
    rep = run_ort(str(onnx_path), x.numpy(), bench=bench, cwd=cwd)
    diff = float(np.abs(rep['output'] - ref).max())
    if diff > TOLERANCE:
        raise AssertionError(f'ONNX Runtime differs from PyTorch by {diff:.3g} (> {TOLERANCE})')
    return {'maxAbsDiff': diff, 'reference': ref, 'bench': rep.get('bench')}


def write_bundle(model: AuNet, out_dir: str, *, name: str, size: int, aus: list, thresholds: dict, alignment: str,
                 training_data, initial_weights: str, loss: str, metrics: dict, fixture_crops: torch.Tensor,
                 fixture_files: list, version: str = '1.0.0', bench: int = 16, extra: dict | None = None) -> dict:
    """Writes model.onnx, model.json (card) and fixture.json (crops + expected outputs) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    export_onnx(model, size, out / 'model.onnx')
    check = check_ort(model, out / 'model.onnx', fixture_crops, bench=bench)
    norm = NORMS[model.backbone_name]
    card = {
        'name': name,
        'version': version,
        'backbone': model.backbone_name,
        # The bundle contract (src/classify/bundle.ts): x[c] = (pixel[c] / range - mean[c]) / std[c].
        'input': {'name': 'input', 'size': size, 'layout': 'NCHW', 'mean': [m / 255 for m in norm['mean']],
                  'std': [s / 255 for s in norm['std']], 'colorOrder': 'RGB', 'range': 255},
        'output': {'name': 'probabilities', 'activation': 'sigmoid', 'shape': ['batch', len(aus)]},
        'aus': aus,
        'thresholds': {a: round(float(thresholds.get(a, 0.5)), 4) for a in aus},
        'alignment': alignment,
        'trainingData': training_data,
        'initialWeights': initial_weights,
        'loss': loss,
        'metrics': metrics,
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'params': count_params(model),
        'mflops': round(count_mflops(model, size), 1),
        'onnx': {'opset': OPSET, 'file': 'model.onnx', 'ortMaxAbsDiff': check['maxAbsDiff']},
        'ortBench': check['bench'],
        **(extra or {}),
    }
    card = json_safe(card)
    (out / 'model.json').write_text(json.dumps(card, indent=2, allow_nan=False) + '\n')
    crops = fixture_crops.numpy().astype(np.uint8)
    fixture = {
        'description': 'Aligned crops (RGB uint8, HWC, base64) and the probabilities PyTorch computes for them; the TypeScript '
                       'classifier must reproduce them (|diff| <= tolerance) through its own preprocessing and ONNX Runtime.',
        'tolerance': TOLERANCE,
        'size': size,
        'aus': aus,
        'crops': [
            {'file': f, 'rgb': base64.b64encode(c.transpose(1, 2, 0).tobytes()).decode(), 'expected': [float(v) for v in r]}
            for f, c, r in zip(fixture_files, crops, check['reference'])
        ],
    }
    (out / 'fixture.json').write_text(json.dumps(fixture) + '\n')
    return card
