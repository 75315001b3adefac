"""Framing a face for FaceMesh V2 the way MediaPipe's landmarker does: a square, rotation-corrected crop around the
face, resampled to 256×256. MediaPipe derives the rect from the previous landmarks: bounding box in the frame rotated
so the eye line (landmarks 33 → 263) is horizontal, made square on its long side and scaled by 1.5."""
import math

import numpy as np
from PIL import Image

SIZE = 256
RECT_SCALE = 1.5


def warp(img: Image.Image, cx: float, cy: float, side: float, angle: float = 0.0, size: int = SIZE,
         fill=(0, 0, 0)) -> tuple:
    """Square crop of `side` px centred at (cx, cy), rotated by `angle` radians (the face's roll), to size×size.
    Returns (crop as float32 [size, size, 3] in [0, 1], A) with A the 2×3 map from crop pixels to image pixels."""
    s = side / size
    c, n = math.cos(angle), math.sin(angle)
    # crop pixel (u, v), centres at u + 0.5 → image: centre + R(angle) · s · (u + 0.5 - size/2, …)
    a, b = s * c, -s * n
    d, e = s * n, s * c
    ox = cx - (a + b) * size / 2 + 0.5 * (a + b)
    oy = cy - (d + e) * size / 2 + 0.5 * (d + e)
    A = np.array([[a, b, ox], [d, e, oy]], dtype=np.float64)
    # PIL works in continuous coordinates (pixel k spans [k, k+1)) and evaluates at output pixel centres; A is
    # written for pixel indices, so: continuous_in = A·(continuous_out - 0.5) + 0.5
    pil = (a, b, ox + 0.5 - 0.5 * (a + b), d, e, oy + 0.5 - 0.5 * (d + e))
    out = img.convert('RGB').transform((size, size), Image.AFFINE, data=pil, resample=Image.BILINEAR, fillcolor=fill)
    return np.asarray(out, dtype=np.float32) / 255.0, A


def to_image(points: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Crop-pixel xy (…, 2+) → image pixels through the 2×3 map A (z scaled by A's scale)."""
    p = np.asarray(points, dtype=np.float64)
    xy = p[..., :2] @ A[:, :2].T + A[:, 2]
    if p.shape[-1] > 2:
        return np.concatenate([xy, p[..., 2:] * math.hypot(A[0, 0], A[1, 0])], axis=-1)
    return xy


def rect_from_landmarks(lm: np.ndarray, scale: float = RECT_SCALE) -> tuple:
    """(cx, cy, side, angle) of MediaPipe's next-frame rect from 478 landmarks in image pixels."""
    l, r = lm[33, :2], lm[263, :2]
    angle = math.atan2(r[1] - l[1], r[0] - l[0])
    c, n = math.cos(-angle), math.sin(-angle)
    xy = lm[:, :2]
    rx = xy[:, 0] * c - xy[:, 1] * n
    ry = xy[:, 0] * n + xy[:, 1] * c
    mx, my = (rx.min() + rx.max()) / 2, (ry.min() + ry.max()) / 2
    side = max(rx.max() - rx.min(), ry.max() - ry.min()) * scale
    c2, n2 = math.cos(angle), math.sin(angle)
    return mx * c2 - my * n2, mx * n2 + my * c2, side, angle
