"""Multi-label AU losses as pure functions of (logits, targets, mask).

targets are soft labels in [0, 1] (pseudo-labels) or hard 0/1; mask is 1 where the label is known. Every loss
returns the mean over known entries (or over AUs for the set-level soft-F1), so masked labels get no gradient.
"""
import torch
import torch.nn.functional as F


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def bce(logits, targets, mask, pos_weight=None):
    """Binary cross-entropy with soft targets; optional per-AU positive weights (shape [n_aus])."""
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction='none', pos_weight=pos_weight)
    return _masked_mean(loss, mask)


def pos_weights_from_rates(rates: torch.Tensor, cap: float = 10.0) -> torch.Tensor:
    """Positive weights from per-AU base rates: (1 - p) / p, capped (JAA-Net-style weighting of rare AUs)."""
    rates = rates.clamp(1e-3, 1 - 1e-3)
    return ((1 - rates) / rates).clamp(max=cap)


def focal(logits, targets, mask, gamma: float = 2.0, alpha: float = 0.25):
    """Focal loss (Lin et al.) with soft targets: BCE scaled by (1 - p_t)^gamma."""
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
    p_t = p * targets + (1 - p) * (1 - targets)
    a_t = alpha * targets + (1 - alpha) * (1 - targets)
    return _masked_mean(a_t * (1 - p_t) ** gamma * ce, mask)


def asymmetric(logits, targets, mask, gamma_pos: float = 0.0, gamma_neg: float = 4.0, clip: float = 0.05):
    """Asymmetric loss (Ridnik et al. 2021, used by ME-GraphAU): easy negatives are down-weighted and shifted."""
    p = torch.sigmoid(logits)
    p_neg = (p - clip).clamp(min=0) if clip > 0 else p
    eps = 1e-8
    loss_pos = targets * (1 - p) ** gamma_pos * torch.log(p.clamp(min=eps))
    loss_neg = (1 - targets) * p_neg**gamma_neg * torch.log((1 - p_neg).clamp(min=eps))
    return _masked_mean(-(loss_pos + loss_neg), mask)


def soft_f1(logits, targets, mask, eps: float = 1.0):
    """1 - soft F1 (Dice) per AU over the batch, averaged over AUs: optimises the metric rare AUs are judged by."""
    p = torch.sigmoid(logits) * mask
    t = targets * mask
    tp = (p * t).sum(0)
    f1 = (2 * tp + eps) / (p.sum(0) + t.sum(0) + eps)
    has = (mask.sum(0) > 0).float()
    return ((1 - f1) * has).sum() / has.sum().clamp_min(1.0)


def proposed(logits, targets, mask, pos_weight=None, dice_weight: float = 0.5):
    """The method's loss: base-rate-weighted BCE for calibration + a soft-F1 (Dice) term for rare AUs."""
    return bce(logits, targets, mask, pos_weight) + dice_weight * soft_f1(logits, targets, mask)


LOSSES = ['bce', 'bce_pw', 'focal', 'asl', 'soft_f1', 'proposed']


def make_loss(name: str, base_rates: torch.Tensor):
    """Returns loss(logits, targets, mask) for a named loss; base rates feed the positive weights."""
    pw = pos_weights_from_rates(base_rates)
    table = {
        'bce': lambda lo, t, m: bce(lo, t, m),
        'bce_pw': lambda lo, t, m: bce(lo, t, m, pw.to(lo.device)),
        'focal': lambda lo, t, m: focal(lo, t, m),
        'asl': lambda lo, t, m: asymmetric(lo, t, m),
        'soft_f1': lambda lo, t, m: soft_f1(lo, t, m),
        'proposed': lambda lo, t, m: proposed(lo, t, m, pw.to(lo.device)),
    }
    if name not in table:
        raise ValueError(f'unknown loss {name!r}; choose from {LOSSES}')
    return table[name]
