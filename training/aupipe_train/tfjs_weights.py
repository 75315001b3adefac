"""Read tfjs weights manifests (+ .bin shards), dequantising uint8/uint16/float16 entries."""
import json
from pathlib import Path

import numpy as np

_DTYPES = {'float32': np.float32, 'int32': np.int32, 'uint8': np.uint8, 'uint16': np.uint16, 'float16': np.float16}


def load_tfjs_weights(manifest_path: str) -> dict:
    """Returns {name: float32/int32 ndarray} in TensorFlow layouts (HWIO for convs)."""
    manifest_path = Path(manifest_path)
    groups = json.loads(manifest_path.read_text())
    if isinstance(groups, dict):  # a layers-model model.json embeds the manifest
        groups = groups['weightsManifest']
    out = {}
    for group in groups:
        buf = b''.join((manifest_path.parent / p).read_bytes() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            q = w.get('quantization')
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            stored = np.dtype(_DTYPES[q['dtype'] if q else w['dtype']])
            raw = np.frombuffer(buf, dtype=stored, count=n, offset=offset)
            offset += n * stored.itemsize
            if q and q['dtype'] == 'float16':
                val = raw.astype(np.float32)
            elif q:  # affine quantisation: value = q * scale + min
                val = raw.astype(np.float64) * q['scale'] + q['min']
                val = val.astype(np.float32 if w['dtype'] == 'float32' else np.int32)
            else:
                val = raw.copy()
            out[w['name']] = val.reshape(w['shape'])
    return out


def conv_hwio(w: np.ndarray) -> np.ndarray:
    """[kh, kw, cin, cout] -> [cout, cin, kh, kw]."""
    return np.ascontiguousarray(w.transpose(3, 2, 0, 1))


def depthwise_hwcm(w: np.ndarray) -> np.ndarray:
    """[kh, kw, c, 1] -> [c, 1, kh, kw]."""
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))
