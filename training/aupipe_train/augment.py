"""Label-preserving batch augmentation on uint8 crops, done with tensor ops (fast on 2 CPU cores).

Horizontal flips keep labels: the 12 AUs are scored bilaterally here, so a mirrored face has the same labels.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class AugConfig:
    enabled: bool = True
    scale: tuple = (0.85, 1.0)  # random resized crop: fraction of the side kept
    shift: float = 0.06  # max translation, fraction of the side
    rotate_deg: float = 10.0
    hflip: bool = True
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    blur_prob: float = 0.2
    noise_std: float = 4.0  # in pixel units (0-255)


def augment(x: torch.Tensor, cfg: AugConfig, gen: torch.Generator) -> torch.Tensor:
    """x: float [n, 3, s, s] in 0-255 -> augmented float, same range."""
    if not cfg.enabled:
        return x
    n = x.shape[0]
    u = lambda *shape: torch.rand(*shape, generator=gen)  # noqa: E731
    scale = cfg.scale[0] + (cfg.scale[1] - cfg.scale[0]) * u(n)
    ang = (u(n) * 2 - 1) * math.radians(cfg.rotate_deg)
    flip = torch.where(u(n) < 0.5, -1.0, 1.0) if cfg.hflip else torch.ones(n)
    tx, ty = (u(n) * 2 - 1) * cfg.shift * 2, (u(n) * 2 - 1) * cfg.shift * 2
    cos, sin = torch.cos(ang) * scale, torch.sin(ang) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection', align_corners=False)
    # colour jitter: brightness, contrast, saturation
    b = 1 + (u(n, 1, 1, 1) * 2 - 1) * cfg.brightness
    x = x * b
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    c = 1 + (u(n, 1, 1, 1) * 2 - 1) * cfg.contrast
    x = (x - mean) * c + mean
    gray = x.mean(dim=1, keepdim=True)
    s = 1 + (u(n, 1, 1, 1) * 2 - 1) * cfg.saturation
    x = (x - gray) * s + gray
    if cfg.blur_prob > 0:
        k = torch.tensor([1.0, 2.0, 1.0])
        k2 = (k[:, None] * k[None, :] / 16).expand(3, 1, 3, 3)
        blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode='replicate'), k2, groups=3)
        pick = (u(n, 1, 1, 1) < cfg.blur_prob).float()
        x = pick * blurred + (1 - pick) * x
    if cfg.noise_std > 0:
        x = x + torch.randn(x.shape, generator=gen) * cfg.noise_std
    return x.clamp(0, 255)


def normalize(x: torch.Tensor, mean: list, std: list) -> torch.Tensor:
    """(pixel - mean) / std per channel; the same formula the model card gives the TypeScript side."""
    m = torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - m) / s
