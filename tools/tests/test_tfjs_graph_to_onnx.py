"""The committed detector models are exactly what the converter makes from the npm package's tfjs graphs."""
import hashlib
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
from tfjs_graph_to_onnx import Converter  # noqa: E402

HUMAN = ROOT / 'node_modules/@vladmandic/human/models'


@pytest.mark.parametrize('name', ['blazeface', 'facemesh'])
def test_committed_model_is_the_conversion(name):
    src = HUMAN / f'{name}.json'
    assert src.exists(), f'{src} missing: run npm ci'
    made = Converter(src).convert(name).SerializeToString()
    committed = (ROOT / 'models/detect' / f'{name}.onnx').read_bytes()
    assert hashlib.sha256(made).hexdigest() == hashlib.sha256(committed).hexdigest()


def test_weights_are_carried_over_transposed():
    """A conv kernel in the ONNX graph is the tfjs HWIO kernel as OIHW, value for value."""
    c = Converter(HUMAN / 'blazeface.json')
    model = c.convert('blazeface')
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    conv = next(n for n in c.spec['modelTopology']['node'] if n['op'] == '_FusedConv2D')
    hwio = c.weights[conv['input'][1]]
    assert np.array_equal(inits[conv['name'] + '/W'], hwio.transpose(3, 2, 0, 1))


def test_unsupported_op_fails_loudly(tmp_path):
    """iris has a ConcatV2 the converter does not cover: it must refuse, not write a wrong graph."""
    with pytest.raises(ValueError, match='ConcatV2'):
        Converter(HUMAN / 'iris.json').convert('iris')
