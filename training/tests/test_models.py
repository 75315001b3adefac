import json

import numpy as np
import pytest
import torch

from training.aupipe_train.convert import convert_face_expression, convert_ssd_mobilenetv1, load_pretrained
from training.aupipe_train.layers import tf_same_pads
from training.aupipe_train.models import BACKBONES, NORMS, AuNet
from training.aupipe_train.tfjs_weights import load_tfjs_weights

FIX = 'training/tests/fixtures'


def _face(backbone):
    rgb = np.frombuffer(open(f'{FIX}/face112.rgb', 'rb').read(), np.uint8).reshape(112, 112, 3).astype(np.float32)
    n = NORMS[backbone]
    x = (rgb - np.array(n['mean'], np.float32)) / np.array(n['std'], np.float32)
    return torch.from_numpy(x).permute(2, 0, 1)[None].float()


@pytest.fixture(scope='module')
def ref():
    return json.load(open(f'{FIX}/faceapi-reference.json'))


def test_tf_same_padding_puts_the_extra_pixel_after():
    assert tf_same_pads(112, 3, 2) == (0, 1)
    assert tf_same_pads(7, 3, 2) == (1, 1)
    assert tf_same_pads(56, 3, 1) == (1, 1)


def test_dequantisation_matches_manifest_ranges():
    w = load_tfjs_weights('node_modules/@vladmandic/face-api/model/face_expression_model-weights_manifest.json')
    f = w['dense0/conv0/filters']
    assert f.shape == (3, 3, 3, 32) and f.dtype == np.float32
    assert abs(f.min() - (-0.7125408074435067)) < 1e-6  # uint8 0 -> min
    assert f.max() <= -0.7125408074435067 + 255 * 0.0057930146946626555 + 1e-6


def test_face_expression_converter_reproduces_face_api(ref):
    blob = convert_face_expression()
    model = AuNet('face_dense', 12).eval()
    model.backbone.load_state_dict(blob['backbone'])
    with torch.no_grad():
        feats = model.features(_face('face_dense'))
        probs = torch.softmax(feats @ blob['extra']['expression_fc.weight'].T + blob['extra']['expression_fc.bias'], 1)
    expected = np.array(ref['faceExpression']['features'])
    assert np.abs(feats[0].numpy() - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())
    assert np.abs(probs[0].numpy() - np.array(ref['faceExpression']['probabilities'])).max() < 1e-4
    assert int(probs.argmax()) == 1  # the fixture face smiles: face-api's 'happy'


def test_ssd_mobilenetv1_converter_reproduces_face_api_backbone(ref):
    blob = convert_ssd_mobilenetv1()
    model = AuNet('mobilenet_v1', 12).eval()
    model.backbone.load_state_dict(blob['backbone'])
    with torch.no_grad():
        out = model.backbone(_face('mobilenet_v1'))
    assert list(out.permute(0, 2, 3, 1).shape) == ref['ssdMobilenetv1']['shape']
    assert np.abs(out.mean((2, 3))[0].numpy() - np.array(ref['ssdMobilenetv1']['pooled'])).max() < 1e-4
    assert np.abs(out[0, :32, 0, 0].numpy() - np.array(ref['ssdMobilenetv1']['corner'])).max() < 1e-4


def test_load_pretrained_from_a_converted_file(tmp_path):
    torch.save(convert_face_expression(), tmp_path / 'fe.pt')
    model = AuNet('face_dense', 12)
    assert 'face_expression' in load_pretrained(model, str(tmp_path / 'fe.pt'))
    wrong = AuNet('mobilenet_v1', 12)
    with pytest.raises(ValueError):
        load_pretrained(wrong, str(tmp_path / 'fe.pt'))


def test_torchvision_state_dict_loads_into_our_wrapper(tmp_path):
    import torchvision

    src = torchvision.models.mobilenet_v2(weights=None)
    torch.save(src.state_dict(), tmp_path / 'mv2.pth')
    model = AuNet('mobilenet_v2', 8)
    load_pretrained(model, str(tmp_path / 'mv2.pth'))
    assert torch.equal(model.backbone.blocks[0][0].weight, src.features[0][0].weight)


@pytest.mark.parametrize('backbone', BACKBONES)
def test_every_backbone_maps_a_batch_to_one_logit_per_au(backbone):
    model = AuNet(backbone, 8).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 8)
