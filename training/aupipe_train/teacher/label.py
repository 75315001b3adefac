"""`teacher label`: FaceMesh V2 + blendshapes on every crop of a prepared dataset (aligned 112² faces) or on image
files with face boxes; one CSV row per face: file, the 52 blendshape scores, presence, align_err.

Framing. The aligned crops (template `aupipe-5pt-v1`: eye centres at 0.34/0.66 of the side, mouth corners at 0.731)
are tighter than MediaPipe's own framing (landmark box, square on its long side, ×1.5). `--framing`:
  upscale      the crop itself, resized to 256²
  margin:M     a square of M × the crop side around the crop centre, the outside filled (black), resized to 256²
  refine[:M]   margin:M first, then MediaPipe's rect from those landmarks (a second FaceMesh pass)
`align_err` is the mean distance of FaceMesh's two eye centres (midpoints of eye corners 33/133 and 362/263) from the
template's, in inter-ocular distances: the crops were aligned on those points (weight 5 each, against 1 for the nose
tip and mouth corners, which keep a pose-dependent residual of ~0.1 IOD), so it measures how well FaceMesh V2 found
the face."""
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from .bundle import BLENDSHAPES, Teacher
from .framing import SIZE, rect_from_landmarks, to_image, warp

TEMPLATE_UNIT = np.array([[0.34, 0.38], [0.66, 0.38], [0.5, 0.615], [0.3645, 0.731], [0.6355, 0.731]])
ALIGN_POINTS = [[33, 133], [362, 263], [1], [61], [291]]
DEFAULT_FRAMING = 'refine:1.25'


def align_points(lm: np.ndarray) -> np.ndarray:
    return np.stack([lm[g, :2].mean(0) for g in ALIGN_POINTS])


def align_error(lm: np.ndarray, size: int) -> float:
    """Mean distance of the mesh's eye centres from the template's, in the template's inter-ocular distances."""
    tpl = TEMPLATE_UNIT[:2] * size - 0.5
    iod = (TEMPLATE_UNIT[1, 0] - TEMPLATE_UNIT[0, 0]) * size
    return float(np.linalg.norm(align_points(lm)[:2] - tpl, axis=1).mean() / iod)


def parse_framing(spec: str) -> tuple:
    kind, _, arg = spec.partition(':')
    if kind not in ('upscale', 'margin', 'refine'):
        raise ValueError(f'--framing {spec!r}: upscale | margin:M | refine[:M]')
    return kind, float(arg) if arg else (1.0 if kind == 'upscale' else 1.25)


def mesh_in_image(teacher: Teacher, img: Image.Image, rect: tuple) -> tuple:
    """One FaceMesh pass on rect (cx, cy, side, angle) of img → (landmarks [478, 3] in image pixels, presence)."""
    x, A = warp(img, *rect)
    lm, presence = teacher.mesh(x[None])
    return to_image(lm[0], A), float(presence[0])


def mesh_crop(teacher: Teacher, crop: Image.Image, framing: str) -> tuple:
    kind, m = parse_framing(framing)
    s = crop.size[0]
    rect = ((s - 1) / 2, (s - 1) / 2, s * m, 0.0)
    lm, p = mesh_in_image(teacher, crop, rect)
    if kind == 'refine':
        lm, p = mesh_in_image(teacher, crop, rect_from_landmarks(lm))
    return lm, p


def mesh_box(teacher: Teacher, img: Image.Image, box: tuple, passes: int = 2) -> tuple:
    """A face box (x, y, w, h in pixels, e.g. a detector's) → MediaPipe's first rect (box centre, square on the long
    side, ×1.5), then `passes - 1` refinements from the landmarks."""
    x, y, w, h = box
    rect = (x + w / 2, y + h / 2, max(w, h) * 1.5, 0.0)
    for i in range(passes):
        lm, p = mesh_in_image(teacher, img, rect)
        rect = rect_from_landmarks(lm)
    return lm, p


def _dataset_rows(data: Path) -> list:
    with open(data / 'labels.csv', newline='') as fh:
        return list(csv.DictReader(fh))


def label_dataset(teacher: Teacher, data: str, framing: str = DEFAULT_FRAMING, limit: int = 0) -> list:
    data = Path(data)
    rows = _dataset_rows(data)[: limit or None]
    out = []
    for r in rows:
        crop = Image.open(data / r['file']).convert('RGB')
        lm, p = mesh_crop(teacher, crop, framing)
        bs = teacher.blendshapes(lm[None])[0]  # pixels of the crop: width = height = 1
        out.append({'file': r['file'], 'scores': bs, 'presence': p, 'align_err': align_error(lm, crop.size[0])})
    return out


def label_images(teacher: Teacher, list_file: str) -> list:
    """list_file: CSV `file,x,y,w,h` (a face box per row, pixels; several rows may share a file). Rows come back as
    `file#k`, the k-th box of that file (1-based, as the dataset format's `source`)."""
    out, seen = [], {}
    with open(list_file, newline='') as fh:
        boxes = list(csv.DictReader(fh))
    t0 = time.monotonic()
    for i, r in enumerate(boxes):
        if i and i % 100 == 0:  # progress on stderr: a few thousand faces take tens of minutes on 2 cores
            rate = i / (time.monotonic() - t0)
            print(f'teacher label: {i}/{len(boxes)} faces, {rate:.1f}/s, ~{(len(boxes) - i) / rate / 60:.0f} min left',
                  file=sys.stderr, flush=True)
        img = Image.open(r['file']).convert('RGB')
        lm, p = mesh_box(teacher, img, tuple(float(r[k]) for k in 'xywh'))
        bs = teacher.blendshapes(lm[None])[0]  # image pixels: MediaPipe's normalised × image size
        seen[r['file']] = seen.get(r['file'], 0) + 1
        out.append({'file': f"{r['file']}#{seen[r['file']]}", 'scores': bs, 'presence': p, 'align_err': float('nan')})
    return out


def write_csv(rows: list, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(['file', *BLENDSHAPES, 'presence', 'align_err'])
        for r in rows:
            # 6 significant digits: several blendshapes live near 1e-5 and still rank faces (cheekSquint: AU6)
            w.writerow([r['file'], *(f'{v:.6g}' for v in r['scores']), f"{r['presence']:.6g}",
                        '' if math.isnan(r['align_err']) else f"{r['align_err']:.4f}"])


def framing_study(teacher: Teacher, data: str, framings: list, limit: int = 0) -> list:
    """Presence and alignment error per framing over the dataset's crops."""
    report = []
    for f in framings:
        rows = label_dataset(teacher, data, f, limit)
        p = np.array([r['presence'] for r in rows])
        e = np.array([r['align_err'] for r in rows])
        report.append({'framing': f, 'n': len(rows), 'presence_mean': float(p.mean()), 'presence_min': float(p.min()),
                       'presence_p10': float(np.percentile(p, 10)), 'share_presence_ge_0.5': float((p >= 0.5).mean()),
                       'align_err_median': float(np.median(e)), 'align_err_p90': float(np.percentile(e, 90))})
    return report


def read_csv(path: str) -> list:
    with open(path, newline='') as fh:
        return [{'file': r['file'], 'scores': np.array([float(r[n]) for n in BLENDSHAPES], np.float32),
                 'presence': float(r['presence']), 'align_err': float(r['align_err'] or 'nan')} for r in csv.DictReader(fh)]


def _mean(*names):
    return lambda s: float(np.mean([s[BLENDSHAPES.index(n)] for n in names]))


# A naive ARKit → FACS reading (not tuned here; the AU25 one is the README's, chosen on the hand-labelled faces).
AU_FROM_BLENDSHAPES = {
    'AU1': _mean('browInnerUp'), 'AU2': _mean('browOuterUpLeft', 'browOuterUpRight'),
    'AU4': _mean('browDownLeft', 'browDownRight'), 'AU5': _mean('eyeWideLeft', 'eyeWideRight'),
    'AU6': _mean('cheekSquintLeft', 'cheekSquintRight'), 'AU9': _mean('noseSneerLeft', 'noseSneerRight'),
    'AU12': _mean('mouthSmileLeft', 'mouthSmileRight'), 'AU15': _mean('mouthFrownLeft', 'mouthFrownRight'),
    'AU17': _mean('mouthShrugLower'), 'AU20': _mean('mouthStretchLeft', 'mouthStretchRight'),
    'AU25': lambda s: max(_mean('jawOpen')(s), _mean('mouthUpperUpLeft', 'mouthUpperUpRight')(s),
                          _mean('mouthLowerDownLeft', 'mouthLowerDownRight')(s)),
    'AU26': _mean('jawOpen'),
}


def hand_label_auc(rows: list, hand_labels: str) -> dict:
    """AUC of AU_FROM_BLENDSHAPES against the hand-labelled faces (crops `<faceId>-a0`), per AU with both classes."""
    from ..yardstick import auc_table, hand_label_matrix, load_hand_labels

    aus = list(AU_FROM_BLENDSHAPES)
    scores = np.array([[AU_FROM_BLENDSHAPES[au](r['scores']) for au in aus] for r in rows])
    return auc_table(scores, hand_label_matrix([r['file'] for r in rows], aus, load_hand_labels(hand_labels)), aus)


def summary(rows: list, data: str) -> dict:
    """Blendshapes vs the dataset's pseudo-labels: mean mouthSmile (L+R)/2 on AU12 > 0.7 vs < 0.3, jawOpen on AU26/AU25."""
    labels = {r['file']: r for r in _dataset_rows(Path(data))}
    idx = {n: i for i, n in enumerate(BLENDSHAPES)}

    def split(au: str, value) -> dict:
        hi, lo = [], []
        for r in rows:
            cell = labels.get(r['file'], {}).get(au, '')
            if cell == '':
                continue
            v = value(r['scores'])
            (hi if float(cell) > 0.7 else lo if float(cell) < 0.3 else []).append(v)
        return {'n_hi': len(hi), 'mean_hi': float(np.mean(hi)) if hi else None,
                'n_lo': len(lo), 'mean_lo': float(np.mean(lo)) if lo else None}

    smile = lambda s: (s[idx['mouthSmileLeft']] + s[idx['mouthSmileRight']]) / 2  # noqa: E731
    return {'mouthSmile_by_AU12': split('AU12', smile),
            'jawOpen_by_AU26': split('AU26', lambda s: s[idx['jawOpen']]),
            'jawOpen_by_AU25': split('AU25', lambda s: s[idx['jawOpen']]),
            'presence_mean': float(np.mean([r['presence'] for r in rows])),
            'align_err_median': float(np.median([r['align_err'] for r in rows]))}


def dumps(obj) -> str:
    return json.dumps(obj, indent=1, default=float)
