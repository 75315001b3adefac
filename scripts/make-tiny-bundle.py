#!/usr/bin/env python3
"""Builds test/fixtures/tiny-bundle: a tiny AU model bundle (small conv net, random but seeded weights)
exported to ONNX (opset 13, dynamic batch), its model.json card, real face crops and the PyTorch outputs
on those crops. The TypeScript tests check that ORT through the TS preprocessing reproduces PyTorch.

Run with Debian's python (torch lives there): /usr/bin/python3 scripts/make-tiny-bundle.py
Preprocessing contract (same as the card): x = (pixel / range - mean[c]) / std[c], RGB, NCHW.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'tiny-bundle')
SIZE = 112
AUS = ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26']
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
# Real faces (offline photos), approximate square face boxes (x, y, side) in source pixels.
SOURCES = [
    ('/usr/lib/python3/dist-packages/skimage/data/astronaut.png', (165, 35, 120)),
    ('/usr/lib/python3/dist-packages/skimage/data/camera.png', (220, 40, 110)),
    ('/usr/share/doc/opencv-doc/examples/data/messi5.jpg', (195, 60, 70)),
    ('/usr/lib/python3/dist-packages/skimage/data/astronaut.png', (140, 10, 180)),
    ('/usr/lib/python3/dist-packages/skimage/data/coffee.png', (150, 100, 200)),
]


class TinyAuNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, stride=2, padding=1),
            torch.nn.BatchNorm2d(8),
            torch.nn.ReLU(),
            torch.nn.Conv2d(8, 16, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
        )
        self.head = torch.nn.Linear(16, len(AUS))

    def forward(self, x):
        return torch.sigmoid(self.head(torch.flatten(self.features(x), 1)))


def crops():
    out = []
    for path, (x, y, s) in SOURCES:
        img = Image.open(path).convert('RGB').crop((x, y, x + s, y + s)).resize((SIZE, SIZE), Image.BILINEAR)
        out.append(np.asarray(img, dtype=np.uint8))
    return out


def main():
    torch.manual_seed(7)
    torch.set_num_threads(os.cpu_count() or 1)
    model = TinyAuNet()
    with torch.no_grad():  # spread the outputs over (0, 1) so agreement is tested away from saturation
        model.head.weight.mul_(8.0)
        model.features[1].running_mean.uniform_(-0.1, 0.1)
        model.features[1].running_var.uniform_(0.5, 1.5)
    model.eval()
    os.makedirs(os.path.join(OUT, 'crops'), exist_ok=True)
    images = crops()
    names = []
    for i, img in enumerate(images):
        name = f'crops/{i}.png'
        Image.fromarray(img).save(os.path.join(OUT, name))
        names.append(name)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    with torch.no_grad():
        y = model(x).numpy().astype(np.float64)
    onnx_path = os.path.join(OUT, 'model.onnx')
    torch.onnx.export(
        model, x[:1], onnx_path, opset_version=13, input_names=['input'], output_names=['probs'],
        dynamic_axes={'input': {0: 'batch'}, 'probs': {0: 'batch'}},
    )
    card = {
        'name': 'tiny-au', 'version': '0.0.1', 'backbone': 'tiny-conv (2 conv layers, test fixture)',
        'input': {'size': SIZE, 'layout': 'NCHW', 'mean': MEAN, 'std': STD, 'colorOrder': 'RGB', 'range': 255},
        'aus': AUS, 'thresholds': {a: 0.5 for a in AUS}, 'alignment': sys.argv[1] if len(sys.argv) > 1 else 'aupipe-5pt-v1',
        'trainingData': 'none (random seeded weights: a numerical test fixture, not a model)',
        'initialWeights': 'random, torch.manual_seed(7)', 'loss': 'none', 'metrics': {},
        'date': '2026-11-28',
    }
    with open(os.path.join(OUT, 'model.json'), 'w') as f:
        json.dump(card, f, indent=2)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'crops': names, 'aus': AUS, 'probs': y.tolist(), 'torch': torch.__version__}, f, indent=1)
    print(f'wrote {OUT}: {len(names)} crops, outputs range {y.min():.3f}..{y.max():.3f}')


if __name__ == '__main__':
    main()
