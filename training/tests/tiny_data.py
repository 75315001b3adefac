"""Builds a small prepared dataset for the tests from real photos, with labels the test itself defines:
a marked crop (dark mouth-like ellipse / bright brow-like bar) is 'positive' for an AU. It tests the training
machinery, not AU recognition."""
import csv
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw

PHOTOS = [f'node_modules/@vladmandic/face-api/demo/sample{i}.jpg' for i in range(1, 7)]
AUS = ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26']
LABELLED = {'AU25': 'mouth', 'AU1': 'brow', 'AU12': 'both'}


def make_tiny_dataset(root: Path, n: int = 240, size: int = 64, seed: int = 0) -> Path:
    rng = random.Random(seed)
    photos = [Image.open(p).convert('RGB') for p in PHOTOS]
    (root / 'crops').mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        src = i % len(photos)
        im = photos[src]
        side = rng.randint(min(im.size) // 6, min(im.size) // 3)
        x, y = rng.randint(0, im.width - side), rng.randint(0, im.height - side)
        crop = im.crop((x, y, x + side, y + side)).resize((size, size), Image.BILINEAR)
        draw = ImageDraw.Draw(crop)
        mouth, brow = rng.random() < 0.4, rng.random() < 0.4
        s = size / 64
        if mouth:
            draw.ellipse((18 * s, 38 * s, 46 * s, 54 * s), fill=(rng.randint(0, 30),) * 3)
        if brow:
            draw.rectangle((8 * s, 10 * s, 56 * s, 20 * s), fill=(rng.randint(225, 255),) * 3)
        name = f'crop{i:04d}.png'
        crop.save(root / 'crops' / name)
        labels = {a: '' for a in AUS}
        labels.update({'AU25': f'{0.9 if mouth else 0.1}', 'AU1': f'{1 if brow else 0}', 'AU12': f'{int(mouth and brow)}'})
        rows.append({'file': f'crops/{name}', 'subject': f'p{src}-{i // 12}', 'source': PHOTOS[src], 'frame': '0', **labels})
    with open(root / 'labels.csv', 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=['file', 'subject', 'source', 'frame', *AUS])
        w.writeheader()
        w.writerows(rows)
    meta = {'format': 'aupipe-dataset', 'version': 1, 'templateId': 'test-template', 'cropSize': size, 'aus': AUS, 'labelKind': 'probability'}
    (root / 'meta.json').write_text(json.dumps(meta))
    return root
