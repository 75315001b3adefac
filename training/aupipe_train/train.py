"""Two-stage transfer learning: stage 1 trains the head on the frozen backbone, stage 2 fine-tunes."""
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .augment import AugConfig, augment, normalize
from .convert import load_pretrained
from .data import Dataset
from .losses import make_loss
from .metrics import evaluate
from .models import NORMS, AuNet
from .schedule import apply_lr, lr_factor, param_groups, set_bn_mode, set_trainable


@dataclass
class TrainConfig:
    backbone: str = 'face_dense'
    width: float = 1.0
    size: int = 112
    pretrained: str | None = None
    loss: str = 'proposed'
    epochs_head: int = 4
    epochs_ft: int = 8
    unfreeze_blocks: int = -1  # stage 2: top N backbone units (-1 = all)
    lr_head: float = 3e-3
    lr_backbone: float = 3e-4
    warmup_epochs: float = 1.0
    weight_decay: float = 1e-4
    batch_size: int = 32
    dropout: float = 0.2
    bn: str = 'frozen'  # 'frozen' | 'train'
    patience: int = 4  # epochs without a better validation mean F1 before stopping stage 2
    seed: int = 0
    augment: bool = True
    device: str = 'cpu'
    out: str | None = None  # run folder: checkpoint.pt, best.pt, run.json
    aug: AugConfig = field(default_factory=AugConfig)


def pick_device(name: str) -> str:
    if name == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if name == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda requested but torch.cuda.is_available() is False')
    return name


def predict(model: AuNet, ds: Dataset, cfg: TrainConfig, batch: int = 128) -> np.ndarray:
    norm = NORMS[cfg.backbone]
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(ds), batch):
            x = normalize(ds.images[i : i + batch].float(), norm['mean'], norm['std']).to(cfg.device)
            out.append(torch.sigmoid(model(x)).cpu())
    return torch.cat(out).numpy()


class Progress:
    """A one-line progress bar on stderr with the running loss (and the last validation F1)."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.t0 = total, label, time.time()
        self.quiet = os.environ.get('AUPIPE_QUIET') == '1'

    def update(self, i: int, loss: float, extra: str = '') -> None:
        if self.quiet:
            return
        filled = int(30 * i / max(1, self.total))
        sys.stderr.write(f'\r{self.label} [{"#" * filled}{"." * (30 - filled)}] {i}/{self.total} loss {loss:.4f} {extra} {time.time() - self.t0:.0f}s')
        if i == self.total:
            sys.stderr.write('\n')
        sys.stderr.flush()


def _stage_plan(cfg: TrainConfig) -> list:
    return [('head', e) for e in range(cfg.epochs_head)] + [('finetune', e) for e in range(cfg.epochs_ft)]


def _make_optimizer(model, stage: str, cfg: TrainConfig):
    set_trainable(model, 0 if stage == 'head' else cfg.unfreeze_blocks)
    groups = param_groups(model, cfg.lr_head if stage == 'head' else cfg.lr_head * 0.3, cfg.lr_backbone, cfg.weight_decay)
    return torch.optim.AdamW(groups)


def train(cfg: TrainConfig, train_ds: Dataset, val_ds: Dataset, resume: bool = False) -> tuple:
    """Returns (best model, run log dict). Early stopping and model selection use validation mean F1 at 0.5."""
    torch.manual_seed(cfg.seed)
    cfg.device = pick_device(cfg.device)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = AuNet(cfg.backbone, len(train_ds.aus), cfg.width, cfg.dropout)
    source = load_pretrained(model, cfg.pretrained) if cfg.pretrained else 'random initialisation'
    model.to(cfg.device)
    loss_fn = make_loss(cfg.loss, train_ds.base_rates())
    norm = NORMS[cfg.backbone]
    steps_per_epoch = max(1, len(train_ds) // cfg.batch_size)
    plan = _stage_plan(cfg)
    log = {'config': {**asdict(cfg), 'aug': asdict(cfg.aug)}, 'initialWeights': source, 'epochs': [], 'aus': train_ds.aus,
           'train_size': len(train_ds), 'val_size': len(val_ds)}
    out = Path(cfg.out) if cfg.out else None
    start, best_f1, best_state, stale, step, opt, stage_now = 0, -1.0, None, 0, 0, None, None
    if resume and out and (out / 'checkpoint.pt').exists():
        ck = torch.load(out / 'checkpoint.pt', map_location='cpu')
        model.load_state_dict(ck['model'])
        start, best_f1, stale, step, log = ck['next'], ck['best_f1'], ck['stale'], ck['step'], ck['log']
        best_state = ck['best_state']
        stage_now = plan[start][0] if start < len(plan) else None
        opt = _make_optimizer(model, stage_now, cfg) if stage_now else None
        if opt is not None and ck.get('stage') == stage_now:
            opt.load_state_dict(ck['opt'])
    for k in range(start, len(plan)):
        stage, epoch = plan[k]
        if stage != stage_now:
            opt, stage_now, stale = _make_optimizer(model, stage, cfg), stage, 0
        n_stage = cfg.epochs_head if stage == 'head' else cfg.epochs_ft
        total = n_stage * steps_per_epoch
        warm = int(cfg.warmup_epochs * steps_per_epoch) if stage == 'finetune' else 0
        model.train()
        set_bn_mode(model, 'frozen' if stage == 'head' else cfg.bn)
        perm = torch.randperm(len(train_ds), generator=gen)
        bar, losses, t0 = Progress(steps_per_epoch, f'{stage} {epoch + 1}/{n_stage}'), [], time.time()
        for i in range(steps_per_epoch):
            idx = perm[i * cfg.batch_size : (i + 1) * cfg.batch_size]
            x = train_ds.images[idx].float()
            if cfg.augment:
                x = augment(x, cfg.aug, gen)
            y = train_ds.labels[idx]
            mask = (~torch.isnan(y)).float()
            y = torch.nan_to_num(y, nan=0.0)
            apply_lr(opt, lr_factor(epoch * steps_per_epoch + i, total, warm))
            logits = model(normalize(x, norm['mean'], norm['std']).to(cfg.device))
            loss = loss_fn(logits, y.to(cfg.device), mask.to(cfg.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            bar.update(i + 1, float(np.mean(losses)))
        val = evaluate(predict(model, val_ds, cfg), val_ds.labels.numpy(), val_ds.aus)
        rec = {'stage': stage, 'epoch': epoch + 1, 'step': step, 'loss': float(np.mean(losses)), 'seconds': time.time() - t0,
               'val_mean_f1': val['mean_f1'], 'val_mean_auc': val['mean_auc']}
        log['epochs'].append(rec)
        if not bar.quiet:
            print(f'  {stage} {epoch + 1}: loss {rec["loss"]:.4f} val F1 {val["mean_f1"]:.3f} AUC {val["mean_auc"]:.3f} ({rec["seconds"]:.1f}s)', file=sys.stderr)
        if val['mean_f1'] > best_f1:
            best_f1, stale = val['mean_f1'], 0
            best_state = {kk: v.detach().cpu().clone() for kk, v in model.state_dict().items()}
        else:
            stale += 1
        if out:
            out.mkdir(parents=True, exist_ok=True)
            torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'stage': stage, 'next': k + 1, 'best_f1': best_f1,
                        'stale': stale, 'step': step, 'log': log, 'best_state': best_state}, out / 'checkpoint.pt')
        if stage == 'finetune' and stale >= cfg.patience:
            log['early_stopped_at'] = rec
            break
    model.load_state_dict(best_state)
    log['best_val_mean_f1'] = best_f1
    if out:
        torch.save({'model': best_state, 'config': log['config'], 'aus': train_ds.aus, 'initialWeights': source}, out / 'best.pt')
        (out / 'run.json').write_text(json.dumps(log, indent=1))
    return model, log
