"""One experiment = train on a subject-independent split, tune thresholds on validation, score the test fold;
k-fold pools the out-of-fold predictions and scores them against the pseudo-labels and the hand labels."""
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .data import Dataset, split_train_val_test
from .metrics import evaluate, tune_thresholds
from .train import TrainConfig, predict, train
from .yardstick import auc_table, hand_label_matrix


def score(model, ds: Dataset, cfg: TrainConfig, thresholds: dict) -> dict:
    probs = predict(model, ds, cfg)
    labels = ds.labels.numpy()
    return {'at_0.5': evaluate(probs, labels, ds.aus), 'at_tuned': evaluate(probs, labels, ds.aus, thresholds)}


def steps_to_fraction(epochs: list, frac: float) -> int | None:
    """Optimiser steps until validation mean F1 first reaches `frac` of its best value."""
    best = max((e['val_mean_f1'] for e in epochs), default=0.0)
    for e in epochs:
        if best > 0 and e['val_mean_f1'] >= frac * best:
            return e['step']
    return None


def run_split(cfg: TrainConfig, ds: Dataset, fold: int, k: int, resume: bool = False, train_only=()) -> tuple:
    tr, va, te = split_train_val_test(ds.subjects, fold, k, seed=0, train_only=train_only)
    t0 = time.time()
    model, log = train(cfg, ds.subset(tr), ds.subset(va), resume=resume)
    val = ds.subset(va)
    thresholds = tune_thresholds(predict(model, val, cfg), val.labels.numpy(), ds.aus)
    test = ds.subset(te)
    probs = predict(model, test, cfg)
    result = {
        'fold': fold, 'k': k, 'train_seconds': time.time() - t0, 'thresholds': thresholds,
        'sizes': {'train': len(tr), 'val': len(va), 'test': len(te)},
        'test': {'at_0.5': evaluate(probs, test.labels.numpy(), ds.aus),
                 'at_tuned': evaluate(probs, test.labels.numpy(), ds.aus, thresholds)},
        'epochs': log['epochs'], 'initialWeights': log['initialWeights'],
        'steps_to_95': steps_to_fraction(log['epochs'], 0.95), 'test_index': te, 'test_probs': probs.tolist(),
    }
    return result, model


def yardstick_scores(files: list, probs: np.ndarray, teacher: np.ndarray, aus: list, hand: dict) -> dict:
    """Out-of-fold AUC on the hand-labelled faces among `files`: the CNN's (`probs`), its teacher's (the soft
    pseudo-labels of the same crops) and the pipeline's `fusion` estimator's (0.5 CNN + 0.5 teacher)."""
    h = hand_label_matrix(files, aus, hand)
    cnn, tea = auc_table(probs, h, aus), auc_table(teacher, h, aus)
    fusion = auc_table(0.5 * probs + 0.5 * teacher, h, aus)
    mean = lambda t: float(np.mean([v['auc'] for v in t.values()])) if t else float('nan')  # noqa: E731
    return {
        'yardstick': {au: {**cnn[au], 'teacher_auc': tea[au]['auc'], 'delta': cnn[au]['auc'] - tea[au]['auc'],
                           'fusion_auc': fusion[au]['auc']} for au in cnn},
        'yardstick_mean_auc': mean(cnn), 'yardstick_teacher_mean_auc': mean(tea), 'yardstick_fusion_mean_auc': mean(fusion),
    }


def pooled(ds: Dataset, results: list, hand: dict | None) -> dict:
    """Scores the pooled out-of-fold predictions: every test face is predicted by the model that never saw it."""
    idx = [i for r in results for i in r['test_index']]
    probs = np.array([p for r in results for p in r['test_probs']])
    # per-fold thresholds: shift each fold's scores so that its tuned threshold sits at 0.5
    shift = np.array([[0.5 - r['thresholds'][a] for a in ds.aus] for r in results for _ in r['test_index']])
    labels = ds.labels.numpy()[idx]
    out = {'n': len(idx), 'at_0.5': evaluate(probs, labels, ds.aus), 'at_tuned': evaluate(probs + shift, labels, ds.aus)}
    for j, au in enumerate(ds.aus):  # AUC is threshold-free: report it from the raw scores
        out['at_tuned']['per_au'][au]['auc'] = out['at_0.5']['per_au'][au]['auc']
    out['at_tuned']['mean_auc'] = out['at_0.5']['mean_auc']
    if hand is not None:
        out.update(yardstick_scores([ds.files[i] for i in idx], probs, labels, list(ds.aus), hand))
    return out


def run_kfold(cfg: TrainConfig, ds: Dataset, k: int, hand: dict | None = None, train_only=(), folds=None) -> dict:
    results = []
    for f in folds if folds is not None else range(k):
        sub = replace(cfg, out=str(Path(cfg.out) / f'fold{f}') if cfg.out else None)
        res, _ = run_split(sub, ds, f, k, train_only=train_only)
        results.append(res)
    summary = {
        'k': k, 'config': {**cfg.__dict__, 'aug': cfg.aug.__dict__}, 'train_only': list(train_only),
        'pooled': pooled(ds, results, hand),
        'train_seconds': [r['train_seconds'] for r in results],
        'seconds_per_epoch': float(np.mean([e['seconds'] for r in results for e in r['epochs']])),
        'steps_to_95': [r['steps_to_95'] for r in results],
        'best_step': [max(r['epochs'], key=lambda e: e['val_mean_f1'])['step'] for r in results],
        'folds': [{k2: v for k2, v in r.items() if k2 not in ('test_probs',)} for r in results],
    }
    if cfg.out:
        Path(cfg.out).mkdir(parents=True, exist_ok=True)
        (Path(cfg.out) / 'kfold.json').write_text(json.dumps(summary, indent=1, default=str))
        # every test crop's out-of-fold probabilities, to score other combinations later (e.g. fusion with
        # another estimator's outputs on the same crops)
        oof = {'aus': list(ds.aus), 'rows': [{'file': ds.files[i], 'probs': [round(float(v), 6) for v in p]}
                                             for r in results for i, p in zip(r['test_index'], r['test_probs'])]}
        (Path(cfg.out) / 'oof.json').write_text(json.dumps(oof))
    return summary
