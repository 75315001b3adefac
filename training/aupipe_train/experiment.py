"""One experiment = train on a subject-independent split, tune thresholds on validation, score test + yardstick."""
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .data import Dataset, split_train_val_test
from .metrics import evaluate, tune_thresholds
from .train import TrainConfig, predict, train


def score(model, ds: Dataset, cfg: TrainConfig, thresholds: dict) -> dict:
    probs = predict(model, ds, cfg)
    labels = ds.labels.numpy()
    return {'at_0.5': evaluate(probs, labels, ds.aus), 'at_tuned': evaluate(probs, labels, ds.aus, thresholds)}


def run_split(cfg: TrainConfig, ds: Dataset, fold: int, k: int, yardstick: Dataset | None = None, resume: bool = False) -> dict:
    tr, va, te = split_train_val_test(ds.subjects, fold, k, seed=0)
    t0 = time.time()
    model, log = train(cfg, ds.subset(tr), ds.subset(va), resume=resume)
    val = ds.subset(va)
    thresholds = tune_thresholds(predict(model, val, cfg), val.labels.numpy(), ds.aus)
    result = {
        'fold': fold, 'k': k, 'train_seconds': time.time() - t0, 'thresholds': thresholds,
        'sizes': {'train': len(tr), 'val': len(va), 'test': len(te)},
        'test': score(model, ds.subset(te), cfg, thresholds),
        'epochs': log['epochs'], 'initialWeights': log['initialWeights'],
    }
    if yardstick is not None:
        result['yardstick'] = score(model, yardstick, cfg, thresholds)
    result['steps_to_95'] = steps_to_fraction(log['epochs'], 0.95)
    return result, model


def steps_to_fraction(epochs: list, frac: float) -> int | None:
    """Optimiser steps until validation mean F1 first reaches `frac` of its best value."""
    best = max((e['val_mean_f1'] for e in epochs), default=0.0)
    for e in epochs:
        if best > 0 and e['val_mean_f1'] >= frac * best:
            return e['step']
    return None


def run_kfold(cfg: TrainConfig, ds: Dataset, k: int, folds: list | None = None, yardstick: Dataset | None = None) -> dict:
    results = []
    for f in folds if folds is not None else range(k):
        sub = replace(cfg, out=str(Path(cfg.out) / f'fold{f}') if cfg.out else None)
        res, _ = run_split(sub, ds, f, k, yardstick)
        results.append(res)
    summary = {'k': k, 'folds': results}
    for part in ('test', 'yardstick'):
        if all(part in r for r in results):
            for at in ('at_0.5', 'at_tuned'):
                f1s = [r[part][at]['mean_f1'] for r in results]
                aucs = [r[part][at]['mean_auc'] for r in results]
                summary[f'{part}_{at}_mean_f1'] = float(np.mean(f1s))
                summary[f'{part}_mean_auc'] = float(np.nanmean(aucs))
    if cfg.out:
        Path(cfg.out).mkdir(parents=True, exist_ok=True)
        (Path(cfg.out) / 'kfold.json').write_text(json.dumps(summary, indent=1))
    return summary
