"""The MediaPipe teacher converter: the flatbuffer reader and op semantics on hand-made buffers (always run), and the
converted Face Landmarker v2 against MediaPipe's own test vectors, on a real face and in ONNX Runtime (these need
../shared/teacher and skip loudly without it)."""
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


class _Op:
    def __init__(self, name, **options):
        self.name, self.options = name, options


def _run_op(op, consts, in_shapes, out_shapes, *rt):
    from training.aupipe_train.teacher.ops import TfliteOp

    with torch.no_grad():
        return TfliteOp(op, consts, in_shapes, out_shapes, batched=False)(*[torch.from_numpy(x) for x in rt])[0].numpy()


def test_depthwise_with_multiplier_and_max_pool_follow_tflite_layouts():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 5, 5, 2)).astype(np.float32)
    w = rng.normal(size=(1, 3, 3, 4)).astype(np.float32)  # [1, kh, kw, I*M], M = 2
    b = rng.normal(size=4).astype(np.float32)
    op = _Op('DEPTHWISE_CONV_2D', padding='SAME', stride_w=2, stride_h=2, depth_multiplier=2, activation=None,
             dilation_w=1, dilation_h=1)
    y = _run_op(op, [None, w, b], [[1, 5, 5, 2], [1, 3, 3, 4], [4]], [[1, 3, 3, 4]], x)
    ref = np.zeros((1, 3, 3, 4), np.float32)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    for i in range(3):
        for j in range(3):
            for c in range(4):  # output channel c = input channel c // M, multiplier c % M
                ref[0, i, j, c] = (xp[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3, c // 2] * w[0, :, :, c]).sum() + b[c]
    assert np.abs(y - ref).max() < 1e-5
    pool = _Op('MAX_POOL_2D', padding='SAME', stride_w=2, stride_h=2, filter_w=2, filter_h=2, activation=None)
    y = _run_op(pool, [None], [[1, 5, 5, 2]], [[1, 3, 3, 2]], x)
    xp = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-np.inf)  # SAME: the padding goes after
    ref = xp.reshape(1, 3, 2, 3, 2, 2).max(axis=(2, 4))
    assert np.array_equal(y, ref)


def test_strided_slice_masks_pad_and_mean():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    sl = _Op('STRIDED_SLICE', begin_mask=0b001, end_mask=0b100, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0b010)
    y = _run_op(sl, [None, np.array([1, 1, 1], np.int32), np.array([1, 2, 0], np.int32), np.array([1, 1, 2], np.int32)],
                [[2, 3, 4], [3], [3], [3]], [[1, 2]], x)
    assert np.array_equal(y, x[0:1, 1, 1::2])
    pad = _Op('PAD')
    y = _run_op(pad, [None, np.array([[0, 0], [1, 0], [0, 2]], np.int32)], [[2, 3, 4], [3, 2]], [[2, 4, 6]], x)
    assert np.array_equal(y, np.pad(x, ((0, 0), (1, 0), (0, 2))))
    mean = _Op('MEAN', keep_dims=True)
    y = _run_op(mean, [None, np.array(-1, np.int32)], [[2, 3, 4], []], [[2, 3, 1]], x)
    assert np.allclose(y, x.mean(-1, keepdims=True))


def test_warp_maps_crop_pixels_to_image_pixels_as_its_matrix_says():
    from PIL import Image

    from training.aupipe_train.teacher.framing import to_image, warp

    im = np.zeros((100, 100, 3), np.uint8)
    im[40, 30] = 255
    for side, angle in ((25.6, 0.0), (200.0, 0.0), (80.0, 0.4)):  # upsampling, as FaceMesh crops are
        x, A = warp(Image.fromarray(im), 30, 40, side, angle)
        w = x[..., 0]
        ys, xs = np.mgrid[:256, :256]
        centroid = np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum()
        assert np.abs(to_image(centroid, A) - [30, 40]).max() < 0.02
        assert np.abs(centroid - 127.5).max() < 0.05


# ---------- the real teacher (needs ../shared/teacher) ----------
@pytest.fixture(scope='module')
def teacher():
    if not TASK.exists():
        pytest.skip(f'../shared/teacher not found: {TASK} is missing, so the MediaPipe teacher tests do not run '
                    '(get face_landmarker_v2_with_blendshapes.task from MediaPipe\'s Face Landmarker model page)')
    from training.aupipe_train.teacher.bundle import Teacher

    return Teacher(TASK)


def _landmarks(path: Path) -> np.ndarray:
    blocks = re.findall(r'landmark \{(.*?)\}', path.read_text(), re.S)
    return np.array([[float(re.search(rf'\b{k}: (\S+)', b).group(1)) for k in 'xy'] for b in blocks], np.float32)


def _scores(path: Path) -> tuple:
    found = re.findall(r'score: (\S+)\s+label: "(\w+)"', path.read_text())
    return [n for _, n in found], np.array([float(s) for s, _ in found], np.float32)


# MediaPipe's face_blendshapes_graph_test feeds these landmarks with image size 820x1024 (the portrait's).
PORTRAIT = (820, 1024)


def test_blendshapes_reproduce_mediapipe_test_vectors(teacher):
    from training.aupipe_train.teacher.bundle import BLENDSHAPES

    names, expected = _scores(VECTORS / 'face_blendshapes_out.prototxt')
    assert names == BLENDSHAPES
    got = teacher.blendshapes(_landmarks(VECTORS / 'face_blendshapes_in_landmarks.prototxt')[None], *PORTRAIT)[0]
    assert np.abs(got - expected).max() <= 1e-4  # measured 4.5e-6


def test_portrait_expected_landmarks_give_the_portrait_expected_blendshapes(teacher):
    lm = _landmarks(VECTORS / 'portrait_expected_face_landmarks.pbtxt')
    assert lm.shape == (478, 2)
    _, expected = _scores(VECTORS / 'portrait_expected_blendshapes.pbtxt')
    got = teacher.blendshapes(lm[None], *PORTRAIT)[0]
    # measured: max 6.2e-3 (eyeSquintRight), mean 1.1e-3; MediaPipe's own test allows 0.1 on this pair
    assert np.abs(got - expected).max() <= 0.01
    assert np.abs(got - expected).mean() <= 0.002


@pytest.fixture(scope='module')
def face_crop():
    if not FACE.exists():
        pytest.skip(f'../shared/media not found: {FACE} is missing')
    from PIL import Image

    from training.aupipe_train.teacher.framing import rect_from_landmarks, warp

    return Image.open(FACE), warp, rect_from_landmarks


def test_facemesh_on_a_real_face_feeds_sane_blendshapes(teacher, face_crop):
    from training.aupipe_train.teacher.bundle import BLENDSHAPES
    from training.aupipe_train.teacher.framing import to_image

    img, warp, rect_from_landmarks = face_crop
    x, A = warp(img, 283, 265, 330)  # a hand-placed square around the face in single_face.jpg (572x562)
    lm, presence = teacher.mesh(x[None])
    assert lm.shape == (1, 478, 3) and presence.shape == (1,)
    x, A = warp(img, *rect_from_landmarks(to_image(lm[0], A)))  # MediaPipe's own framing, from the first pass
    lm, presence = teacher.mesh(x[None])
    lm = lm[0]
    assert presence[0] > 0.9
    assert (lm[:, :2] > 0).all() and (lm[:, :2] < 256).all()
    eye_r, eye_l = lm[[33, 133]].mean(0), lm[[362, 263]].mean(0)  # subject's right eye is on the image's left
    mouth = lm[[61, 291, 13, 14]].mean(0)
    assert eye_r[0] < lm[1, 0] < eye_l[0] and abs(eye_r[1] - eye_l[1]) < 10
    assert eye_r[1] < lm[1, 1] < mouth[1] < lm[152, 1]  # eyes above the nose tip, above the mouth, above the chin
    assert lm[61, 0] < lm[291, 0]
    assert np.linalg.norm(lm[468, :2] - eye_r[:2]) < 8 and np.linalg.norm(lm[473, :2] - eye_l[:2]) < 8  # irises
    iod = np.linalg.norm(eye_l[:2] - eye_r[:2])
    assert 50 < iod < 110  # MediaPipe framing: eyes ~ a third of the crop apart
    bs = teacher.blendshapes(to_image(lm, A)[None])[0]
    assert bs.shape == (52,) and (bs >= 0).all() and (bs <= 1).all()
    s = dict(zip(BLENDSHAPES, bs))
    assert s['mouthSmileLeft'] > 0.5 and s['mouthSmileRight'] > 0.5  # he smiles with his teeth showing
    assert s['eyeBlinkLeft'] < 0.5 and s['jawOpen'] < 0.5
    # no face: noise gets a low presence score
    noise = np.random.default_rng(0).random((1, 256, 256, 3), dtype=np.float32)
    assert teacher.mesh(noise)[1][0] < 0.1


def test_onnx_runtime_matches_pytorch(teacher, face_crop, tmp_path):
    from training.aupipe_train.ort import run_ort
    from training.aupipe_train.teacher.convert import example_input, export_onnx

    img, warp, _ = face_crop
    x = warp(img, 282, 287, 337, -0.03)[0][None]
    for mod, inp, scale in ((teacher.blend, example_input('blendshapes'), {'blendshapes': 1}),
                            (teacher.facemesh, x, {'landmarks': 256, 'presence': 1})):
        path = tmp_path / 'm.onnx'
        export_onnx(mod, inp, path)
        with torch.no_grad():
            ref = mod(torch.from_numpy(inp[:1]))  # batch 1 through a model traced at batch len(inp): dynamic batch
        ref = ref if isinstance(ref, tuple) else (ref,)
        out = run_ort(str(path), inp[:1])['outputs']
        for name, r in zip(mod.output_names, ref):
            # landmarks compared normalised to the crop (MediaPipe's own unit): measured 1e-6 (3e-4 px)
            assert np.abs(out[name] - r.numpy()).max() / scale[name] <= 1e-4, name


def test_label_images_with_face_boxes(teacher, face_crop, tmp_path):
    import csv

    from training.aupipe_train.teacher.bundle import BLENDSHAPES
    from training.aupipe_train.teacher.label import label_images, write_csv

    boxes = tmp_path / 'faces.csv'
    boxes.write_text(f'file,x,y,w,h\n{FACE},185,150,210,250\n')
    out = tmp_path / 'bs.csv'
    write_csv(label_images(teacher, str(boxes)), str(out))
    (row,) = list(csv.DictReader(out.open()))
    assert row['file'] == f'{FACE}#1' and float(row['presence']) > 0.9
    assert float(row['mouthSmileLeft']) > 0.5 and len(row) == len(BLENDSHAPES) + 3


def test_label_cli_on_aligned_crops(teacher, tmp_path):
    import csv
    import json

    from training.aupipe_train.cli import main
    from training.aupipe_train.teacher.bundle import BLENDSHAPES

    out = tmp_path / 'bs.csv'
    assert main(['teacher', 'label', '--task', str(TASK), '--data', 'data/real-faces', '--limit', '3', '--out', str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ['file', *BLENDSHAPES, 'presence', 'align_err']
    assert len(rows) == 4
    for r in rows[1:]:
        vals = np.array(r[1:53], float)
        assert ((vals >= 0) & (vals <= 1)).all()
        assert float(r[53]) > 0.5 and float(r[54]) < 0.25
    assert json.loads(out.with_suffix('.json').read_text())['n'] == 3


def test_convert_cli_writes_a_teacher_card_and_a_checked_onnx(teacher, tmp_path):
    import json

    from training.aupipe_train.cli import main
    from training.aupipe_train.teacher.bundle import BLENDSHAPES

    assert main(['teacher', 'convert', '--task', str(TASK), '--out', str(tmp_path), '--models', 'blendshapes']) == 0
    card = json.loads((tmp_path / 'blendshapes.json').read_text())
    assert card['teacher'] is True and 'Never commit' in card['doNotShip']
    assert card['source']['sha256'] == teacher.bundle.sha256 and card['blendshapes'] == BLENDSHAPES
    assert len(card['landmarkSubset']) == 146 and card['onnx']['opset'] == 13
    assert card['onnx']['ortVsTorchMaxAbsDiff']['blendshapes'] <= 1e-4
    assert set(card['tflite']['ops']) <= {'DEQUANTIZE', 'MUL', 'ADD', 'CONV_2D', 'MEAN', 'TRANSPOSE', 'NEG', 'SQUARED_DIFFERENCE',
                                          'RSQRT', 'STRIDED_SLICE', 'RESHAPE', 'SUB', 'SUM', 'SQRT', 'DIV', 'CONCATENATION', 'LOGISTIC'}
    assert (tmp_path / 'blendshapes.onnx').stat().st_size > 100_000 and (tmp_path / 'NOT-FOR-SHIPPING.txt').exists()
