"""Read tfjs weights manifests (+ .bin shards), dequantising uint8/uint16/float16 entries."""
import base64
import json
import re
from pathlib import Path

import numpy as np

_DTYPES = {'float32': np.float32, 'int32': np.int32, 'uint8': np.uint8, 'uint16': np.uint16, 'float16': np.float16}


def load_tfjs_weights(manifest_path: str) -> dict:
    """Returns {name: float32/int32 ndarray} in TensorFlow layouts (HWIO for convs)."""
    manifest_path = Path(manifest_path)
    groups = json.loads(manifest_path.read_text())
    if isinstance(groups, dict):  # a layers-model model.json embeds the manifest
        groups = groups['weightsManifest']
    return decode_weights(groups, lambda p: (manifest_path.parent / p).read_bytes())


def decode_weights(groups: list, read_shard) -> dict:
    """Weights of a tfjs manifest (list of groups); read_shard(path) returns one shard's bytes."""
    out = {}
    for group in groups:
        buf = b''.join(read_shard(p) for p in group['paths'])
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


_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(![01])|([A-Za-z_$][\w$]*)|([{}\[\]:,]))')


def parse_js_literal(text: str, start: int = 0):
    """Parses one minified JavaScript object/array literal (unquoted keys, `!0`/`!1`, `.5`) at text[start:]."""
    pos = start

    def token():
        nonlocal pos
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f'cannot parse JavaScript literal at {pos}: {text[pos:pos + 40]!r}')
        pos = m.end()
        return m

    def value(m):
        string, number, bang, ident, punct = m.groups()
        if string is not None:
            return json.loads(string)
        if number is not None:
            return float(number) if re.search(r'[.eE]', number) else int(number)
        if bang is not None:
            return bang == '!0'
        if ident is not None:
            consts = {'null': None, 'true': True, 'false': False}
            if ident not in consts:
                raise ValueError(f'unexpected identifier {ident!r} in JavaScript literal')
            return consts[ident]
        if punct == '[':
            items = []
            while True:
                m = token()
                if m.group(5) == ']':
                    return items
                items.append(value(m))
                if token().group(5) == ']':
                    return items
        if punct == '{':
            obj = {}
            while True:
                m = token()
                if m.group(5) == '}':
                    return obj
                key = json.loads(m.group(1)) if m.group(1) else m.group(4) or m.group(2)
                if token().group(5) != ':':
                    raise ValueError(f'expected : after key {key!r}')
                obj[key] = value(token())
                if token().group(5) == '}':
                    return obj
        raise ValueError(f'unexpected token {m.group(0)!r} in JavaScript literal')

    return value(token())


def load_tfjs_js_bundle(model_dir: str) -> tuple:
    """A tfjs layers model bundled as JavaScript (nsfwjs's `model.min.js` + `group1-shardNofM.min.js`, each a
    browserify module exporting the model.json object or one shard as a base64 string).
    Returns (model_json, {name: ndarray})."""
    model_dir = Path(model_dir)
    js = (model_dir / 'model.min.js').read_text()
    at = re.search(r'exports=(?=\{)', js)  # the module body, not the UMD wrapper's `module.exports=e()`
    if not at:
        raise ValueError(f'no exported object literal in {model_dir / "model.min.js"}')
    model = parse_js_literal(js, at.end())

    def shard(name: str) -> bytes:
        m = re.search(r'exports="([A-Za-z0-9+/=]*)"', (model_dir / f'{name}.min.js').read_text())
        if not m:
            raise ValueError(f'no base64 weight data in {model_dir / name}.min.js')
        return base64.b64decode(m.group(1))

    return model, decode_weights(model['weightsManifest'], shard)


def conv_hwio(w: np.ndarray) -> np.ndarray:
    """[kh, kw, cin, cout] -> [cout, cin, kh, kw]."""
    return np.ascontiguousarray(w.transpose(3, 2, 0, 1))


def depthwise_hwcm(w: np.ndarray) -> np.ndarray:
    """[kh, kw, c, 1] -> [c, 1, kh, kw]."""
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))
