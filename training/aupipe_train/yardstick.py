"""The hand-labelled real faces (test/fixtures/real-faces.json) joined to a prepared dataset's aligned crops.

A crop `crops/<faceId>-a<j>.png` (or `-w<j>.png`, mesh-warped) belongs to the hand-labelled face `<faceId>`; only
base crops (`-a0`) are scored, since warps change the expression. Labels are 1 (clearly present), 0 (clearly absent), else unknown.
"""
import json
import re
from pathlib import Path

import numpy as np

from .metrics import binary_auc

DEFAULT = 'test/fixtures/real-faces.json'


def load_hand_labels(path: str = DEFAULT) -> dict:
    return {f['id']: f['labels'] for f in json.loads(Path(path).read_text())['faces']}


def face_id(file: str) -> tuple:
    """(face id, variant): variant 0 is the un-warped base crop `-a0`; `-a<j>` (augmented) and `-w<j>`
    (mesh-warped: a changed expression, never scored against the hand labels) are variants > 0."""
    m = re.match(r'(.+)-([aw])(\d+)$', Path(file).stem)
    if not m:
        return (Path(file).stem, 0)
    return (m.group(1), int(m.group(3)) if m.group(2) == 'a' else 1000 + int(m.group(3)))


def hand_label_matrix(files: list, aus: list, hand: dict) -> np.ndarray:
    """[n, k] with 1/0 where the face is hand-labelled for that AU, NaN elsewhere."""
    out = np.full((len(files), len(aus)), np.nan)
    for i, f in enumerate(files):
        fid, aug = face_id(f)
        if aug == 0 and fid in hand:
            for j, au in enumerate(aus):
                if au in hand[fid]:
                    out[i, j] = float(hand[fid][au])
    return out


def auc_table(scores: np.ndarray, hand: np.ndarray, aus: list) -> dict:
    """Per-AU AUC (with counts) of scores against hand labels; AUs lacking either class are left out."""
    table = {}
    for j, au in enumerate(aus):
        known = ~np.isnan(hand[:, j])
        y = hand[known, j].astype(int)
        if y.sum() and (1 - y).sum():
            table[au] = {'auc': binary_auc(scores[known, j], y), 'positives': int(y.sum()), 'negatives': int((1 - y).sum())}
    return table
