#!/usr/bin/env python3
"""Writes aupipe-5pt-v1.json: the alignment template and test vectors (landmarks in, matrix out).

The matrices are solved here independently of the TypeScript code (a general linear least-squares solve
of the 4-DoF similarity with numpy), so the TS tests and the Python trainer both check against them.
Run: /usr/bin/python3 config/alignment/make_vectors.py
"""
import json
import math
import os

import numpy as np

TEMPLATE_ID = "aupipe-5pt-v1"
UNIT = [[0.34, 0.38], [0.66, 0.38], [0.5, 0.615], [0.3645, 0.731], [0.6355, 0.731]]
SIZE = 112
WEIGHTS = [5, 5, 1, 1, 1]  # eyes count 5x in the fit


def template(size):
    # pixel-index coordinates: pixel centres at integers, the crop spans [-0.5, size - 0.5]
    return np.array([[u * size - 0.5, v * size - 0.5] for u, v in UNIT])


def solve(src, dst, weights):
    """Weighted least squares for x' = a x - b y + tx, y' = b x + a y + ty."""
    rows, rhs = [], []
    for (x, y), (u, v), w in zip(src, dst, weights):
        r = math.sqrt(w)
        rows.append([r * x, -r * y, r, 0]); rhs.append(r * u)
        rows.append([r * y, r * x, 0, r]); rhs.append(r * v)
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return [a, -b, tx, b, a, ty]


def case(name, angle_deg, scale, tx, ty, noise=0.0, seed=0):
    """Landmarks = template pushed into a source frame by rotation/scale/translation (+ noise)."""
    t = template(SIZE)
    th = math.radians(angle_deg)
    r = scale * np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    src = t @ r.T + np.array([tx, ty])
    if noise:
        src = src + np.random.default_rng(seed).normal(0, noise, src.shape)
    src = np.round(src, 6)  # solve from exactly the numbers that are published
    m = solve(src, t, WEIGHTS)
    return {
        "name": name,
        "cropSize": SIZE,
        "landmarks": [[float(x), float(y)] for x, y in src],
        "matrix": [round(float(v), 12) for v in m],
    }


def main():
    out = {
        "templateId": TEMPLATE_ID,
        "description": "5-point similarity alignment. Points in image order: eye on the image's left, eye on the "
        "image's right (eye centre = midpoint of the eye corners, mesh 33/133 and 362/263), nose tip (mesh 1), "
        "mouth corner image-left (61), mouth corner image-right (291). Coordinates are pixel-index coordinates "
        "(pixel centres at integers, as in cv2.warpAffine). 'matrix' is the 2x3 row-major weighted (see 'weights') least-squares "
        "similarity [a, b, tx, c, d, ty] mapping source landmarks to the template at cropSize; the crop is "
        "cv2.warpAffine(img, matrix, (cropSize, cropSize), flags=cv2.INTER_LINEAR, borderValue=0).",
        "unitTemplate": UNIT,
        "weights": WEIGHTS,
        "template112": [[round(float(x), 6), round(float(y), 6)] for x, y in template(SIZE)],
        "cases": [
            case("identity", 0, 1, 0, 0),
            case("translate", 0, 1, 250.5, 120.25),
            case("scale-2.5", 0, 2.5, 300, 80),
            case("rotate+20-scale-1.7", 20, 1.7, 420, 150),
            case("rotate-35-scale-0.6", -35, 0.6, 40, 300),
            case("rotate-170", 170, 1.2, 600, 500),
            case("noisy-rotate+10", 10, 2.0, 200, 200, noise=1.5, seed=7),
            case("noisy-rotate-25", -25, 3.1, 900, 400, noise=3.0, seed=11),
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), TEMPLATE_ID + ".json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
