"""`teacher convert`: the bundle's models → PyTorch → ONNX (opset 13, dynamic batch), each checked in ONNX Runtime
(onnxruntime-node) against PyTorch on the same input, with a JSON card. Outputs are teacher material: they go to a
gitignored folder and are never shipped or loaded at run time."""
import json
import time
from pathlib import Path

import numpy as np
import torch

from ..ort import run_ort
from .bundle import BLENDSHAPE_LANDMARKS, BLENDSHAPES, FILES, WHERE_TO_GET, Bundle, module
from .flatbuf import TfliteModel
from .graph import param_count

NOTICE = ('TEACHER ONLY: converted from MediaPipe Face Landmarker v2 (Apache-2.0) for training-time labelling and '
          'comparison. Never commit, ship or load at run time.')

def example_input(which: str, batch: int = 2) -> np.ndarray:
    """A fixed-seed input per model (the blendshape model gets a jittered point cloud, the image models noise)."""
    rng = np.random.default_rng(0)
    if which == 'blendshapes':
        base = rng.uniform(80, 180, size=(1, 146, 2))
        return (base + rng.normal(0, 2, size=(batch, 146, 2))).astype(np.float32)
    size = 256 if which == 'facemesh' else 128
    x = rng.random((batch, size, size, 3), dtype=np.float32)
    return x if which == 'facemesh' else x * 2 - 1


IO = {
    'facemesh': {'inputs': {'image': '[N, 256, 256, 3] float32 RGB in [0, 1], NHWC: a square face crop framed like '
                            "MediaPipe's (landmark box rotated upright, square, x1.5)"},
                 'outputs': {'landmarks': '[N, 478, 3] crop pixels (x, y in 0..256; z relative, same scale); 468 mesh + '
                             'iris 468-472 and 473-477', 'presence': '[N] sigmoid of the face flag (MediaPipe\'s presence score; '
                             'MediaPipe drops faces under 0.5)'}},
    'blendshapes': {'inputs': {'points': '[N, 146, 2] float32: landmarks BLENDSHAPE_LANDMARKS of the 478, x times image '
                               'width and y times image height (pixels)'},
                    'outputs': {'blendshapes': '[N, 52] in [0, 1], in the order of `blendshapes`'}},
    'detector': {'inputs': {'image': '[N, 128, 128, 3] float32 RGB in [-1, 1], NHWC'},
                 'outputs': {'regressors': '[N, 896, 16] raw box + 6 keypoint offsets per anchor (not decoded)',
                             'classificators': '[N, 896, 1] logits'}},
}


def export_onnx(mod: torch.nn.Module, x: np.ndarray, path: Path) -> None:
    names_in, names_out = mod.input_names, mod.output_names
    torch.onnx.export(mod, (torch.from_numpy(x),), str(path), opset_version=13, input_names=names_in, output_names=names_out,
                      dynamic_axes={n: {0: 'batch'} for n in names_in + names_out}, do_constant_folding=True)


def convert(task: str, out: str, models=('blendshapes', 'facemesh', 'detector'), check: bool = True) -> dict:
    bundle = Bundle(task)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'NOT-FOR-SHIPPING.txt').write_text(NOTICE + '\n')
    cards = {}
    for which in models:
        t0 = time.time()
        tfl = TfliteModel(bundle.tflite(which))
        mod = module(bundle, which)
        x = example_input(which)
        with torch.no_grad():
            ys = mod(torch.from_numpy(x))
        ys = ys if isinstance(ys, tuple) else (ys,)
        # batch independence: each row of the batch equals that row run alone
        with torch.no_grad():
            y1 = mod(torch.from_numpy(x[:1]))
        y1 = y1 if isinstance(y1, tuple) else (y1,)
        batch_diff = max(float((a[:1] - b).abs().max()) for a, b in zip(ys, y1))
        path = out / f'{which}.onnx'
        export_onnx(mod, x, path)
        card = {
            'name': f'mediapipe-face-landmarker-v2-{which}', 'teacher': True, 'doNotShip': NOTICE,
            'source': {'task': str(task), 'sha256': bundle.sha256, 'member': FILES[which], 'getItFrom': WHERE_TO_GET, 'licence': 'Apache-2.0'},
            'onnx': {'file': path.name, 'opset': 13, 'dynamicBatch': True},
            'inputs': IO[which]['inputs'], 'outputs': IO[which]['outputs'],
            'tflite': {'ops': tfl.histogram(), 'operators': len(tfl.ops), 'tensors': len(tfl.tensors)},
            'params': param_count(mod.graph), 'batchVsSingleMaxAbsDiff': batch_diff,
        }
        if which == 'blendshapes':
            card['blendshapes'] = BLENDSHAPES
            card['landmarkSubset'] = BLENDSHAPE_LANDMARKS
        if check:
            rep = run_ort(str(path), x)
            diffs = {n: float(np.abs(rep['outputs'][n] - y.numpy().reshape(rep['outputs'][n].shape)).max())
                     for n, y in zip(mod.output_names, ys)}
            card['onnx']['ortVsTorchMaxAbsDiff'] = diffs
            card['onnx']['checkedOn'] = f'{x.shape} example input, onnxruntime-node CPU'
        card['convertSeconds'] = round(time.time() - t0, 2)
        (out / f'{which}.json').write_text(json.dumps(card, indent=1) + '\n')
        cards[which] = card
    return cards
