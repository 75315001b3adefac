"""The MediaPipe teacher converter: the flatbuffer reader and op semantics on hand-made buffers (no teacher needed)."""
import re
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from training.aupipe_train.teacher.flatbuf import TfliteModel, root
from training.aupipe_train.teacher.graph import TfliteGraph
from training.aupipe_train.teacher.ops import same_pads

ROOT = Path(__file__).resolve().parents[2]
TEACHER = ROOT.parent / 'shared' / 'teacher'
TASK = TEACHER / 'face_landmarker_v2_with_blendshapes.task'
VECTORS = TEACHER / 'mediapipe-testdata'
FACE = ROOT.parent / 'shared' / 'media' / 'single_face.jpg'


# ---------- a tiny FlatBuffers writer, for buffers made by hand ----------
class T:
    """A table to serialise: fields = {slot: (kind, value)}; kinds: i8 u8 bool i32 u32 f32 str ivec bvec table tables."""

    def __init__(self, **slots):
        self.fields = {int(k[1:]): v for k, v in slots.items()}  # s0=(kind, value), s1=...


SCALAR = {'i8': 'b', 'u8': 'B', 'bool': '?', 'i32': 'i', 'u32': 'I', 'f32': 'f'}


def _align(buf: bytearray, n: int = 4) -> None:
    buf.extend(b'\0' * (-len(buf) % n))


def _write_child(buf: bytearray, kind: str, value) -> int:
    _align(buf)
    pos = len(buf)
    if kind == 'str':
        raw = value.encode()
        buf.extend(struct.pack('<I', len(raw)) + raw + b'\0')
    elif kind in ('ivec', 'bvec'):
        arr = np.asarray(value, dtype='<i4' if kind == 'ivec' else 'u1')
        buf.extend(struct.pack('<I', arr.size) + arr.tobytes())
    elif kind == 'table':
        return _write_table(buf, value)
    elif kind == 'tables':
        buf.extend(struct.pack('<I', len(value)) + b'\0' * 4 * len(value))
        for i, t in enumerate(value):
            slot = pos + 4 + 4 * i
            child = _write_table(buf, t)
            struct.pack_into('<I', buf, slot, child - slot)
    return pos


def _write_table(buf: bytearray, t: T) -> int:
    n = max(t.fields) + 1 if t.fields else 0
    _align(buf)
    vt = len(buf)
    buf.extend(b'\0' * (4 + 2 * n))
    _align(buf)
    table = len(buf)
    buf.extend(struct.pack('<i', table - vt) + b'\0' * 4 * len(t.fields))
    struct.pack_into('<HH', buf, vt, 4 + 2 * n, 4 + 4 * len(t.fields))
    later = []
    for k, slot in enumerate(sorted(t.fields)):
        kind, value = t.fields[slot]
        off = 4 + 4 * k
        struct.pack_into('<H', buf, vt + 4 + 2 * slot, off)
        if kind in SCALAR:
            struct.pack_into('<' + SCALAR[kind], buf, table + off, value)
        else:
            later.append((table + off, kind, value))
    for at, kind, value in later:
        child = _write_child(buf, kind, value)
        struct.pack_into('<I', buf, at, child - at)
    return table


def build(t: T, ident: bytes = b'TFL3') -> bytes:
    buf = bytearray(struct.pack('<I', 0) + ident)
    struct.pack_into('<I', buf, 0, _write_table(buf, t))
    return bytes(buf)


def test_flatbuffer_reader_on_a_hand_made_buffer():
    buf = build(T(s0=('i32', -7), s2=('str', 'hello'), s3=('ivec', [1, 2, 3]), s4=('table', T(s1=('f32', 2.5))),
                  s5=('tables', [T(s0=('u8', 9)), T()]), s6=('bool', True)))
    r = root(buf, b'TFL3')
    assert r.scalar(0, 'i') == -7
    assert r.scalar(1, 'i', 42) == 42  # absent field: default
    assert r.string(2) == 'hello'
    assert r.vector(3, 'int32').tolist() == [1, 2, 3]
    assert r.table(4).scalar(1, 'f') == 2.5 and r.table(4).scalar(0, 'f', -1.0) == -1.0
    subs = r.tables(5)
    assert [s.scalar(0, 'B', 0) for s in subs] == [9, 0]
    assert r.scalar(6, '?') is True
    assert r.scalar(30, 'i', 5) == 5  # slot beyond the vtable
    with pytest.raises(ValueError):
        root(build(T(s0=('i32', 1)), ident=b'XXXX'), b'TFL3')


def test_tf_same_padding_puts_the_odd_pixel_after():
    assert same_pads(5, 3, 2, 1) == (1, 1)
    assert same_pads(4, 3, 2, 1) == (0, 1)
    assert same_pads(256, 3, 2, 1) == (0, 1)
    assert same_pads(7, 3, 1, 2) == (2, 2)  # dilation 2: effective kernel 5
    assert same_pads(4, 1, 2, 1) == (0, 0)


def _tensor(shape, ttype, buffer, name):
    return T(s0=('ivec', shape), s1=('i8', ttype), s2=('u32', buffer), s3=('str', name))


def _conv_ref(x, w, b, stride):
    """NHWC / [O, kh, kw, I] SAME convolution, the slow obvious way."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    ph, pw = same_pads(h, kh, stride, 1), same_pads(wd, kw, stride, 1)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh, ow = -(-h // stride), -(-wd // stride)
    y = np.zeros((n, oh, ow, o), np.float32)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.einsum('nhwc,ohwc->no', patch, w) + b
    return y


def test_hand_made_tflite_model_converts_with_nhwc_same_padding_and_fp16_dequantize():
    """input [1,5,4,2] → CONV_2D (SAME, stride 2, fp16 weights via DEQUANTIZE, bias, fused RELU) → ADD a constant."""
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 3, 3, 2)).astype(np.float16)
    b = rng.normal(size=3).astype(np.float32)
    c = rng.normal(size=3).astype(np.float32)
    buffers = [T(), T(s0=('bvec', np.frombuffer(w.tobytes(), np.uint8))), T(s0=('bvec', np.frombuffer(b.tobytes(), np.uint8))),
               T(s0=('bvec', np.frombuffer(c.tobytes(), np.uint8)))]
    tensors = [_tensor([1, 5, 4, 2], 0, 0, 'in'), _tensor([3, 3, 3, 2], 1, 1, 'w16'), _tensor([3, 3, 3, 2], 0, 0, 'w'),
               _tensor([3], 0, 2, 'b'), _tensor([1, 3, 2, 3], 0, 0, 'conv'), _tensor([3], 0, 3, 'c'),
               _tensor([1, 3, 2, 3], 0, 0, 'out')]
    conv_opts = T(s0=('i8', 0), s1=('i32', 2), s2=('i32', 2), s3=('i8', 1))  # SAME, stride 2x2, RELU
    ops = [T(s0=('u32', 0), s1=('ivec', [1]), s2=('ivec', [2])),
           T(s0=('u32', 1), s1=('ivec', [0, 2, 3]), s2=('ivec', [4]), s3=('u8', 1), s4=('table', conv_opts)),
           T(s0=('u32', 2), s1=('ivec', [4, 5]), s2=('ivec', [6]), s3=('u8', 11), s4=('table', T(s0=('i8', 0))))]
    graph = T(s0=('tables', tensors), s1=('ivec', [0]), s2=('ivec', [6]), s3=('tables', ops), s4=('str', 'main'))
    codes = [T(s0=('i8', 6), s3=('i32', 6)), T(s0=('i8', 3), s3=('i32', 3)), T(s0=('i8', 0), s3=('i32', 0))]
    model = TfliteModel(build(T(s0=('u32', 3), s1=('tables', codes), s2=('tables', [graph]), s4=('tables', buffers))))
    assert model.histogram() == {'DEQUANTIZE': 1, 'CONV_2D': 1, 'ADD': 1}
    assert model.ops[1].options['padding'] == 'SAME' and model.ops[1].options['activation'] == 'RELU'
    g = TfliteGraph(model).eval()
    x = rng.normal(size=(2, 5, 4, 2)).astype(np.float32)  # batch 2 through a graph traced at batch 1
    with torch.no_grad():
        y = g(torch.from_numpy(x)).numpy()
    ref = np.maximum(_conv_ref(x, w.astype(np.float32), b, 2), 0) + c
    assert y.shape == (2, 3, 2, 3)
    assert np.abs(y - ref).max() < 1e-5
