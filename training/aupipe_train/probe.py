"""Cheap experiments on cached frozen-backbone features (= stage 1 without augmentation).

Two-stage fine-tuning costs ~40 s per epoch for 110 faces on 2 shared cores; a linear head on cached features
costs milliseconds, so loss x seed grids and backbone/initialisation comparisons run here, and the README says so.
"""
import json
import time
from pathlib import Path

import numpy as np
import torch

from .augment import normalize
from .convert import load_pretrained
from .data import Dataset, split_train_val_test
from .experiment import pooled
from .losses import make_loss
from .metrics import evaluate, tune_thresholds
from .models import NORMS, AuNet, count_mflops, count_params


def extract(backbone: str, pretrained: str | None, ds: Dataset, seed: int = 0, batch: int = 32) -> tuple:
    torch.manual_seed(seed)
    model = AuNet(backbone, len(ds.aus)).eval()
    source = load_pretrained(model, pretrained) if pretrained else 'random initialisation'
    norm, feats, t0 = NORMS[backbone], [], time.time()
    with torch.no_grad():
        for i in range(0, len(ds), batch):
            feats.append(model.features(normalize(ds.images[i : i + batch].float(), norm['mean'], norm['std'])))
    info = {'backbone': backbone, 'initialWeights': source, 'params': count_params(model),
            'mflops': round(count_mflops(model, ds.images.shape[-1]), 1), 'extract_seconds': time.time() - t0}
    return torch.cat(feats), info


def fit_head(f: torch.Tensor, y: torch.Tensor, loss_name: str, base_rates: torch.Tensor, seed: int, steps: int = 300,
             lr: float = 1e-2, weight_decay: float = 1e-3) -> torch.nn.Linear:
    torch.manual_seed(seed)
    mu, sd = f.mean(0), f.std(0) + 1e-6
    head = torch.nn.Linear(f.shape[1], y.shape[1])
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = make_loss(loss_name, base_rates)
    mask = (~torch.isnan(y)).float()
    yy = torch.nan_to_num(y)
    x = (f - mu) / sd
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (min(32, len(x)),), generator=g)
        loss = loss_fn(torch.nn.functional.dropout(head(x[idx]), 0.0), yy[idx], mask[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    head.norm = (mu, sd)
    return head


def _probs(head, f):
    mu, sd = head.norm
    with torch.no_grad():
        return torch.sigmoid(head((f - mu) / sd)).numpy()


def probe_kfold(feats: torch.Tensor, ds: Dataset, loss_name: str, seed: int, k: int, train_only, hand) -> dict:
    results = []
    for fold in range(k):
        tr, va, te = split_train_val_test(ds.subjects, fold, k, seed=0, train_only=train_only)
        head = fit_head(feats[tr], ds.labels[tr], loss_name, ds.subset(tr).base_rates(), seed)
        pv, pt = _probs(head, feats[va]), _probs(head, feats[te])
        thresholds = tune_thresholds(pv, ds.labels[va].numpy(), ds.aus)
        results.append({'test_index': te, 'test_probs': pt.tolist(), 'thresholds': thresholds,
                        'val_f1': evaluate(pv, ds.labels[va].numpy(), ds.aus)['mean_f1']})
    return pooled(ds, results, hand)


def summarise(p: dict, rare: list) -> dict:
    out = {'f1@0.5': p['at_0.5']['mean_f1'], 'f1@tuned': p['at_tuned']['mean_f1'], 'auc': p['at_0.5']['mean_auc'],
           'rare_f1@tuned': {a: p['at_tuned']['per_au'][a]['f1'] for a in rare}}
    if 'yardstick' in p:
        out['hand_auc'] = p['yardstick_mean_auc']
        out['hand_per_au'] = {a: v['auc'] for a, v in p['yardstick'].items()}
        out['teacher_hand_auc'] = p['yardstick_teacher_mean_auc']
    return out


def write(path: str, obj) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(obj, indent=1, default=float))


def mean_std(values: list) -> tuple:
    return float(np.mean(values)), float(np.std(values))
