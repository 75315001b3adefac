"""Freezing, per-group learning rates and warm-up + cosine schedules for the two training stages."""
import math

import torch
from torch import nn


def set_trainable(model, unfreeze_blocks: int) -> None:
    """Head always trains; the backbone's top `unfreeze_blocks` units too (-1 = all, 0 = frozen backbone)."""
    blocks = list(model.backbone.blocks)
    n = len(blocks) if unfreeze_blocks < 0 else min(unfreeze_blocks, len(blocks))
    for p in model.backbone.parameters():
        p.requires_grad = False
    for b in blocks[len(blocks) - n :]:
        for p in b.parameters():
            p.requires_grad = True
    for p in model.head.parameters():
        p.requires_grad = True


def set_bn_mode(model, bn: str) -> None:
    """After model.train(): 'frozen' keeps every backbone BatchNorm on its pretrained running stats (small batches
    of a few hundred faces would otherwise drag them away); 'train' lets unfrozen BNs update their stats."""
    for m in model.backbone.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            frozen_unit = not any(p.requires_grad for p in m.parameters())
            if bn == 'frozen' or frozen_unit:
                m.eval()


def param_groups(model, lr_head: float, lr_backbone: float, weight_decay: float) -> list:
    """Separate groups: the new head learns fast, the pretrained backbone slowly; no decay on biases/BN."""
    groups = []
    for name, params, lr in (('head', model.head.named_parameters(), lr_head), ('backbone', model.backbone.named_parameters(), lr_backbone)):
        decay, no_decay = [], []
        for n, p in params:
            if p.requires_grad:
                (no_decay if p.ndim <= 1 else decay).append(p)
        if decay:
            groups.append({'name': f'{name}', 'params': decay, 'lr': lr, 'base_lr': lr, 'weight_decay': weight_decay})
        if no_decay:
            groups.append({'name': f'{name}-nd', 'params': no_decay, 'lr': lr, 'base_lr': lr, 'weight_decay': 0.0})
    return groups


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to 0 at `total`."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def apply_lr(opt: torch.optim.Optimizer, factor: float) -> None:
    for g in opt.param_groups:
        g['lr'] = g['base_lr'] * factor
