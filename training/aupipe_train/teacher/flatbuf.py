"""A minimal FlatBuffers reader and the slice of TFLite's schema (tensorflow/lite/schema/schema.fbs) the teacher needs.

FlatBuffers layout, as used here: the buffer starts with a uoffset (u32) to the root table. A table starts with a
soffset (i32) back to its vtable (vtable = table - soffset). A vtable is u16 vtable size, u16 table size, then one u16
per field: the field's offset inside the table, 0 = absent (default value). Offset-typed fields (tables, vectors,
strings) hold a u32 relative to their own position. A vector is a u32 length followed by its elements; a vector of
tables holds one uoffset per element. A union takes two field slots: a u8 type, then the table offset.
"""
import struct

import numpy as np


class Table:
    __slots__ = ('buf', 'pos', '_vt', '_vt_size')

    def __init__(self, buf, pos: int):
        self.buf = buf
        self.pos = pos
        self._vt = pos - struct.unpack_from('<i', buf, pos)[0]
        self._vt_size = struct.unpack_from('<H', buf, self._vt)[0]

    def _field(self, slot: int) -> int:
        """Absolute position of field `slot`, or 0 when absent."""
        vo = 4 + 2 * slot
        if vo >= self._vt_size:
            return 0
        off = struct.unpack_from('<H', self.buf, self._vt + vo)[0]
        return self.pos + off if off else 0

    def has(self, slot: int) -> bool:
        return self._field(slot) != 0

    def scalar(self, slot: int, fmt: str, default=0):
        p = self._field(slot)
        return struct.unpack_from('<' + fmt, self.buf, p)[0] if p else default

    def _deref(self, slot: int) -> int:
        p = self._field(slot)
        return p + struct.unpack_from('<I', self.buf, p)[0] if p else 0

    def table(self, slot: int):
        p = self._deref(slot)
        return Table(self.buf, p) if p else None

    def string(self, slot: int, default=''):
        p = self._deref(slot)
        if not p:
            return default
        n = struct.unpack_from('<I', self.buf, p)[0]
        return bytes(self.buf[p + 4:p + 4 + n]).decode('utf-8')

    def vector_len(self, slot: int) -> int:
        p = self._deref(slot)
        return struct.unpack_from('<I', self.buf, p)[0] if p else 0

    def vector(self, slot: int, dtype: str) -> np.ndarray:
        """A vector of scalars as a numpy array (a copy; empty when absent)."""
        p = self._deref(slot)
        if not p:
            return np.zeros(0, dtype=dtype)
        n = struct.unpack_from('<I', self.buf, p)[0]
        return np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder('<'), count=n, offset=p + 4).copy()

    def tables(self, slot: int) -> list:
        p = self._deref(slot)
        if not p:
            return []
        n = struct.unpack_from('<I', self.buf, p)[0]
        out = []
        for i in range(n):
            e = p + 4 + 4 * i
            out.append(Table(self.buf, e + struct.unpack_from('<I', self.buf, e)[0]))
        return out


def root(buf, identifier: bytes = None) -> Table:
    if identifier is not None and bytes(buf[4:8]) != identifier:
        raise ValueError(f'not a {identifier!r} flatbuffer (identifier {bytes(buf[4:8])!r})')
    return Table(buf, struct.unpack_from('<I', buf, 0)[0])


# ---- TFLite schema (field slots in schema.fbs order) ----

TENSOR_TYPES = {0: 'float32', 1: 'float16', 2: 'int32', 3: 'uint8', 4: 'int64', 5: 'string', 6: 'bool', 7: 'int16',
                9: 'int8', 10: 'float64'}

BUILTIN_OPS = {
    0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 5: 'DEPTH_TO_SPACE',
    6: 'DEQUANTIZE', 8: 'FLOOR', 9: 'FULLY_CONNECTED', 11: 'L2_NORMALIZATION', 14: 'LOGISTIC', 17: 'MAX_POOL_2D',
    18: 'MUL', 19: 'RELU', 20: 'RELU_N1_TO_1', 21: 'RELU6', 22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 25: 'SOFTMAX',
    26: 'SPACE_TO_DEPTH', 28: 'TANH', 32: 'CUSTOM', 34: 'PAD', 36: 'GATHER', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB',
    42: 'DIV', 43: 'SQUEEZE', 45: 'STRIDED_SLICE', 47: 'EXP', 49: 'SPLIT', 53: 'CAST', 54: 'PRELU', 55: 'MAXIMUM',
    57: 'MINIMUM', 59: 'NEG', 60: 'PADV2', 65: 'SLICE', 67: 'TRANSPOSE_CONV', 70: 'EXPAND_DIMS', 74: 'SUM',
    75: 'SQRT', 76: 'RSQRT', 78: 'POW', 82: 'REDUCE_MAX', 83: 'PACK', 88: 'UNPACK', 92: 'SQUARE', 97: 'RESIZE_NEAREST_NEIGHBOR',
    98: 'LEAKY_RELU', 99: 'SQUARED_DIFFERENCE', 101: 'ABS', 102: 'SPLIT_V', 106: 'ADD_N', 117: 'HARD_SWISH',
    126: 'BATCH_MATMUL', 150: 'GELU',
}

PADDING = {0: 'SAME', 1: 'VALID'}
ACTIVATIONS = {0: None, 1: 'RELU', 2: 'RELU_N1_TO_1', 3: 'RELU6', 4: 'TANH', 5: 'SIGN_BIT'}

# Builtin options tables by operator: (field name, slot, struct format or 'ivec', default). Only what ops.py reads.
_POOL = [('padding', 0, 'b', 0), ('stride_w', 1, 'i', 1), ('stride_h', 2, 'i', 1), ('filter_w', 3, 'i', 1),
         ('filter_h', 4, 'i', 1), ('activation', 5, 'b', 0)]
OPTIONS = {
    'CONV_2D': [('padding', 0, 'b', 0), ('stride_w', 1, 'i', 1), ('stride_h', 2, 'i', 1), ('activation', 3, 'b', 0),
                ('dilation_w', 4, 'i', 1), ('dilation_h', 5, 'i', 1)],
    'DEPTHWISE_CONV_2D': [('padding', 0, 'b', 0), ('stride_w', 1, 'i', 1), ('stride_h', 2, 'i', 1),
                          ('depth_multiplier', 3, 'i', 0), ('activation', 4, 'b', 0), ('dilation_w', 5, 'i', 1),
                          ('dilation_h', 6, 'i', 1)],
    'TRANSPOSE_CONV': [('padding', 0, 'b', 0), ('stride_w', 1, 'i', 1), ('stride_h', 2, 'i', 1), ('activation', 3, 'b', 0)],
    'AVERAGE_POOL_2D': _POOL, 'MAX_POOL_2D': _POOL,
    'FULLY_CONNECTED': [('activation', 0, 'b', 0), ('weights_format', 1, 'b', 0), ('keep_num_dims', 2, '?', False)],
    'ADD': [('activation', 0, 'b', 0)], 'SUB': [('activation', 0, 'b', 0)], 'MUL': [('activation', 0, 'b', 0)],
    'DIV': [('activation', 0, 'b', 0)],
    'CONCATENATION': [('axis', 0, 'i', 0), ('activation', 1, 'b', 0)],
    'RESHAPE': [('new_shape', 0, 'ivec', None)],
    'MEAN': [('keep_dims', 0, '?', False)], 'SUM': [('keep_dims', 0, '?', False)], 'REDUCE_MAX': [('keep_dims', 0, '?', False)],
    'SOFTMAX': [('beta', 0, 'f', 1.0)],
    'STRIDED_SLICE': [('begin_mask', 0, 'i', 0), ('end_mask', 1, 'i', 0), ('ellipsis_mask', 2, 'i', 0),
                      ('new_axis_mask', 3, 'i', 0), ('shrink_axis_mask', 4, 'i', 0)],
    'BATCH_MATMUL': [('adj_x', 0, '?', False), ('adj_y', 1, '?', False)],
    'RESIZE_BILINEAR': [('align_corners', 2, '?', False), ('half_pixel_centers', 3, '?', False)],
    'RESIZE_NEAREST_NEIGHBOR': [('align_corners', 0, '?', False), ('half_pixel_centers', 1, '?', False)],
    'GATHER': [('axis', 0, 'i', 0), ('batch_dims', 1, 'i', 0)],
    'SQUEEZE': [('squeeze_dims', 0, 'ivec', None)],
    'LEAKY_RELU': [('alpha', 0, 'f', 0.0)],
    'SPLIT': [('num_splits', 0, 'i', 0)], 'SPLIT_V': [('num_splits', 0, 'i', 0)],
    'PACK': [('values_count', 0, 'i', 0), ('axis', 1, 'i', 0)], 'UNPACK': [('num', 0, 'i', 0), ('axis', 1, 'i', 0)],
    'GELU': [('approximate', 0, '?', False)],
}


def read_options(op_name: str, t) -> dict:
    out = {}
    for name, slot, fmt, default in OPTIONS.get(op_name, []):
        if t is None:
            out[name] = default
        elif fmt == 'ivec':
            out[name] = t.vector(slot, 'int32').tolist() if t.has(slot) else default
        else:
            out[name] = t.scalar(slot, fmt, default)
    if 'padding' in out:
        out['padding'] = PADDING[out['padding']]
    if 'activation' in out:
        out['activation'] = ACTIVATIONS[out['activation']]
    return out


class TfliteTensor:
    def __init__(self, index, name, shape, dtype, data, quant):
        self.index, self.name, self.shape, self.dtype, self.data, self.quant = index, name, shape, dtype, data, quant

    def __repr__(self):
        return f'Tensor({self.index} {self.name!r} {self.dtype} {self.shape}{" const" if self.data is not None else ""})'


class TfliteOp:
    def __init__(self, name, inputs, outputs, options, custom_code=''):
        self.name, self.inputs, self.outputs, self.options, self.custom_code = name, inputs, outputs, options, custom_code


class TfliteModel:
    """Model (0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers) → its first subgraph, decoded."""

    def __init__(self, data: bytes):
        buf = memoryview(data)
        m = root(buf, b'TFL3')
        self.version = m.scalar(0, 'I')
        self.description = m.string(3)
        # OperatorCode: 0 deprecated_builtin_code (i8), 1 custom_code, 2 version, 3 builtin_code (i32)
        codes = []
        for oc in m.tables(1):
            code = max(oc.scalar(0, 'b', 0), oc.scalar(3, 'i', 0))
            codes.append((BUILTIN_OPS.get(code, f'BUILTIN_{code}'), oc.string(1)))
        # Buffer: 0 data [ubyte], 1 offset (u64, from the file start), 2 size (u64)
        buffers = []
        for b in m.tables(4):
            if b.vector_len(0):
                buffers.append(b.vector(0, 'uint8').tobytes())
            elif b.scalar(1, 'Q', 0) > 1:
                off, size = b.scalar(1, 'Q'), b.scalar(2, 'Q')
                buffers.append(bytes(buf[off:off + size]))
            else:
                buffers.append(None)
        graphs = m.tables(2)
        if len(graphs) != 1:
            raise ValueError(f'expected one subgraph, found {len(graphs)}')
        g = graphs[0]
        # SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name
        self.tensors = []
        for i, t in enumerate(g.tables(0)):
            # Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization, ..., 7 shape_signature
            dtype = TENSOR_TYPES[t.scalar(1, 'b', 0)]
            shape = t.vector(0, 'int32').tolist()
            raw = buffers[t.scalar(2, 'I', 0)] if buffers else None
            data = None
            if raw:
                data = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder('<')).reshape(shape).copy()
            q = t.table(4)
            # QuantizationParameters: 0 min, 1 max, 2 scale, 3 zero_point, ..., 6 quantized_dimension
            quant = None
            if q is not None and q.vector_len(2):
                quant = {'scale': q.vector(2, 'float32'), 'zero_point': q.vector(3, 'int64'), 'axis': q.scalar(6, 'i', 0)}
            self.tensors.append(TfliteTensor(i, t.string(3), shape, dtype, data, quant))
        self.inputs = g.vector(1, 'int32').tolist()
        self.outputs = g.vector(2, 'int32').tolist()
        self.ops = []
        for o in g.tables(3):
            # Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options
            name, custom = codes[o.scalar(0, 'I', 0)]
            opts = read_options(name, o.table(4))
            self.ops.append(TfliteOp(name, o.vector(1, 'int32').tolist(), o.vector(2, 'int32').tolist(), opts, custom))

    def histogram(self) -> dict:
        h = {}
        for op in self.ops:
            key = op.name if op.name != 'CUSTOM' else f'CUSTOM:{op.custom_code}'
            h[key] = h.get(key, 0) + 1
        return dict(sorted(h.items(), key=lambda kv: -kv[1]))
