"""Per-AU precision/recall/F1/AUC and threshold tuning (numpy, pure)."""
import numpy as np


def binary_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula with tie handling; NaN when one class is absent."""
    pos, neg = labels == 1, labels == 0
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        return float('nan')
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores))
    sorted_s = scores[order]
    i = 0
    while i < len(sorted_s):  # average ranks over ties
        j = i
        while j + 1 < len(sorted_s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def prf(pred: np.ndarray, labels: np.ndarray) -> tuple:
    tp = float(((pred == 1) & (labels == 1)).sum())
    fp = float(((pred == 1) & (labels == 0)).sum())
    fn = float(((pred == 0) & (labels == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def tune_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold that maximises F1 on these (validation) scores; 0.5 when there are no positives."""
    if labels.sum() == 0:
        return 0.5
    best_t, best_f = 0.5, -1.0
    for t in np.unique(np.round(scores, 3)):
        f = prf((scores >= t).astype(int), labels)[2]
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t


def evaluate(probs: np.ndarray, labels: np.ndarray, aus: list, thresholds: dict | None = None) -> dict:
    """probs [n, k]; labels [n, k] with 1/0 and NaN for unknown (soft labels are binarised at 0.5).

    Means skip AUs with no positives (F1/AUC undefined there) and report how many AUs they cover.
    """
    per_au = {}
    for j, au in enumerate(aus):
        known = ~np.isnan(labels[:, j])
        y = (labels[known, j] >= 0.5).astype(int)
        s = probs[known, j]
        t = 0.5 if thresholds is None else thresholds.get(au, 0.5)
        p, r, f = prf((s >= t).astype(int), y)
        per_au[au] = {
            'n': int(known.sum()),
            'positives': int(y.sum()),
            'threshold': t,
            'precision': p,
            'recall': r,
            'f1': f,
            'auc': binary_auc(s, y),
        }
    with_pos = [a for a in aus if per_au[a]['positives'] > 0]
    aucs = [per_au[a]['auc'] for a in aus if not np.isnan(per_au[a]['auc'])]
    return {
        'per_au': per_au,
        'mean_f1': float(np.mean([per_au[a]['f1'] for a in with_pos])) if with_pos else 0.0,
        'mean_auc': float(np.mean(aucs)) if aucs else float('nan'),
        'aus_scored': len(with_pos),
    }


def tune_thresholds(probs: np.ndarray, labels: np.ndarray, aus: list) -> dict:
    out = {}
    for j, au in enumerate(aus):
        known = ~np.isnan(labels[:, j])
        out[au] = tune_threshold(probs[known, j], (labels[known, j] >= 0.5).astype(int))
    return out
