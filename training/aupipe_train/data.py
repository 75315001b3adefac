"""Prepared-dataset reader (`meta.json` + `crops/*.png` + `labels.csv`) and subject-independent splits."""
import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image


@dataclass
class Dataset:
    images: torch.Tensor  # uint8 [n, 3, s, s]
    labels: torch.Tensor  # float [n, k] in [0, 1], NaN where unknown
    subjects: list
    files: list
    aus: list
    meta: dict

    def __len__(self) -> int:
        return len(self.files)

    def subset(self, idx) -> 'Dataset':
        idx = list(idx)
        return Dataset(
            self.images[idx], self.labels[idx], [self.subjects[i] for i in idx], [self.files[i] for i in idx], self.aus, self.meta
        )

    def base_rates(self) -> torch.Tensor:
        known = ~torch.isnan(self.labels)
        vals = torch.where(known, self.labels, torch.zeros_like(self.labels))
        return vals.sum(0) / known.sum(0).clamp_min(1)


def _parse(value: str, kind: str, positive_intensity: float) -> float:
    if value.strip() == '':
        return float('nan')
    v = float(value)
    if kind == 'intensity':  # DISFA protocol: intensity >= 2 counts as present
        return 1.0 if v >= positive_intensity else 0.0
    return min(max(v, 0.0), 1.0)


def load_dataset(folder: str, aus: list | None = None, size: int | None = None, positive_intensity: float = 2.0) -> Dataset:
    """Loads every crop into memory (a few hundred to tens of thousands of 112-px crops fit easily)."""
    root = Path(folder)
    meta = json.loads((root / 'meta.json').read_text())
    if meta.get('format') != 'aupipe-dataset':
        raise ValueError(f'{root}/meta.json is not an aupipe-dataset (format={meta.get("format")!r})')
    aus = aus or list(meta['aus'])
    kind = meta.get('labelKind', 'probability')
    with open(root / 'labels.csv', newline='') as fh:
        rows = list(csv.DictReader(fh))
    missing = [a for a in aus if rows and a not in rows[0]]
    if missing:
        raise ValueError(f'labels.csv lacks columns {missing}')
    images, labels, subjects, files = [], [], [], []
    for row in rows:
        im = Image.open(root / 'crops' / Path(row['file']).name if not (root / row['file']).exists() else root / row['file'])
        im = im.convert('RGB')
        if size and im.size != (size, size):
            im = im.resize((size, size), Image.BILINEAR)
        images.append(np.asarray(im, dtype=np.uint8).transpose(2, 0, 1))
        labels.append([_parse(row.get(a, ''), kind, positive_intensity) for a in aus])
        subjects.append(row.get('subject') or row['file'])
        files.append(row['file'])
    if not images:
        raise ValueError(f'{root}/labels.csv has no rows')
    return Dataset(
        torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.float32), subjects, files, aus, meta
    )


def subject_folds(subjects: list, k: int, seed: int = 0) -> list:
    """Assigns whole subjects to k folds (balanced by face count); returns a list of index lists.

    The one fold definition: src/eval/folds.ts `subjectFolds` reproduces it (random.Random(seed).shuffle
    included), and both are checked against config/folds/vectors.json (make_vectors.py there rewrites it).
    """
    by_subject = {}
    for i, s in enumerate(subjects):
        by_subject.setdefault(s, []).append(i)
    names = sorted(by_subject)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda s: -len(by_subject[s]))  # stable: shuffled order within equal sizes
    folds = [[] for _ in range(k)]
    for s in names:
        min(folds, key=len).extend(by_subject[s])
    return [sorted(f) for f in folds]


def split_train_val_test(subjects: list, fold: int, k: int, seed: int = 0, train_only=(), anchor_val: float = 0.25) -> tuple:
    """Fold `fold` is the test set; the next fold is validation (early stopping, thresholds); the rest trains.

    `train_only` subjects (e.g. one 'subject' that groups a hundred unidentified thumbnails) never enter the test
    folds, which are formed from the other subjects; a random `anchor_val` share of their faces joins validation.
    """
    train_only = set(train_only)
    rest = [i for i, s in enumerate(subjects) if s not in train_only]
    anchors = [i for i, s in enumerate(subjects) if s in train_only]
    folds = [[rest[i] for i in f] for f in subject_folds([subjects[i] for i in rest], k, seed)]
    test = folds[fold]
    val = list(folds[(fold + 1) % k]) if k > 2 else []
    train = [i for j, f in enumerate(folds) if j not in (fold, (fold + 1) % k) for i in f]
    if k == 2:
        train = list(folds[(fold + 1) % k])
    random.Random(seed + fold).shuffle(anchors)
    n_val = int(round(anchor_val * len(anchors))) if anchors else 0
    val += anchors[:n_val]
    train += anchors[n_val:]
    if not val:  # k == 2 without anchors: validate on a slice of train
        val, train = train[: len(train) // 5], train[len(train) // 5 :]
    return sorted(train), sorted(val), sorted(test)
