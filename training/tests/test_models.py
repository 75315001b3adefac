import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training.aupipe_train.convert import (
    convert_face_expression,
    convert_nsfwjs_mobilenetv2,
    convert_ssd_mobilenetv1,
    load_pretrained,
)
from training.aupipe_train.face_api_nets import fixture_input, load_face_api_net, load_landmarks68
from training.aupipe_train.layers import tf_same_pads
from training.aupipe_train.models import BACKBONES, AuNet
from training.aupipe_train.tfjs_weights import load_tfjs_weights, parse_js_literal

FIX = 'training/tests/fixtures'


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
        feats = model.features(fixture_input('face_dense'))
        probs = torch.softmax(feats @ blob['extra']['expression_fc.weight'].T + blob['extra']['expression_fc.bias'], 1)
    expected = np.array(ref['faceExpression']['features'])
    assert np.abs(feats[0].numpy() - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())
    assert np.abs(probs[0].numpy() - np.array(ref['faceExpression']['probabilities'])).max() < 1e-4
    assert int(probs.argmax()) == 1  # the fixture face smiles: face-api's 'happy'


def test_face_landmarks68_converter_reproduces_face_api():
    with torch.no_grad():
        out = load_landmarks68()(fixture_input())[0].numpy()
    expected = np.array(json.load(open(f'{FIX}/faceapi-landmarks-reference.json'))['relative'])
    assert out.shape == (136,)
    assert np.abs(out - expected).max() < 1e-4
    pts = out.reshape(68, 2)
    # 300-W order: jaw 0-16, eyes 36-47, mouth 48-67; on an upright face the eyes sit above the mouth and the
    # chin (8) below both.
    assert pts[36:48, 1].mean() < pts[48:68, 1].mean() < pts[8, 1]
    assert pts[36, 0] < pts[45, 0]


def test_landmarks68_export_matches_in_onnx_runtime(tmp_path):
    from training.aupipe_train.face_api_nets import export_landmarks68

    card = export_landmarks68(str(tmp_path))
    assert (tmp_path / 'model.onnx').stat().st_size > 1_000_000
    assert card['onnx']['ortMaxAbsDiff'] < 1e-4 and card['onnx']['faceApiMaxAbsDiff'] < 1e-4
    saved = json.load(open(tmp_path / 'model.json'))
    assert saved['input']['size'] == 112 and saved['output']['shape'] == ['batch', 136]


def test_face_expression_net_export_gives_face_api_probabilities(tmp_path):
    from training.aupipe_train.face_api_nets import EXPRESSIONS, export_face_api_net

    card = export_face_api_net('expressions', str(tmp_path))
    assert card['onnx']['ortMaxAbsDiff'] < 1e-4 and card['onnx']['faceApiMaxAbsDiff'] < 1e-4
    saved = json.load(open(tmp_path / 'model.json'))
    assert saved['output']['labels'] == EXPRESSIONS and saved['output']['shape'] == ['batch', 7]
    with torch.no_grad():
        p = load_face_api_net('expressions')(fixture_input())[0].numpy()
    # A softmax in the graph: probabilities that sum to 1, and the fixture face smiles (face-api's 'happy').
    assert abs(float(p.sum()) - 1) < 1e-5 and EXPRESSIONS[int(p.argmax())] == 'happy'


def test_ssd_mobilenetv1_converter_reproduces_face_api_backbone(ref):
    blob = convert_ssd_mobilenetv1()
    model = AuNet('mobilenet_v1', 12).eval()
    model.backbone.load_state_dict(blob['backbone'])
    with torch.no_grad():
        out = model.backbone(fixture_input('mobilenet_v1'))
    assert list(out.permute(0, 2, 3, 1).shape) == ref['ssdMobilenetv1']['shape']
    assert np.abs(out.mean((2, 3))[0].numpy() - np.array(ref['ssdMobilenetv1']['pooled'])).max() < 1e-4
    assert np.abs(out[0, :32, 0, 0].numpy() - np.array(ref['ssdMobilenetv1']['corner'])).max() < 1e-4


def test_js_literal_parser_reads_minified_objects():
    text = 'a.exports={k:[1,-.5,2e-3,!0,!1,null],"s t":"x\\"y",n:{}}'
    assert parse_js_literal(text, len('a.exports=')) == {'k': [1, -0.5, 0.002, True, False, None], 's t': 'x"y', 'n': {}}


@pytest.fixture(scope='module')
def nsfwjs():
    # No skip when nsfwjs is missing: convert raises FileNotFoundError telling to run `npm ci` (a devDependency).
    return convert_nsfwjs_mobilenetv2(), json.load(open(f'{FIX}/nsfwjs-reference.json'))


def _nsfwjs_input(backbone):
    """nsfwjs.infer on the 112 crop: pixels / 255, then resizeBilinear to 224 with alignCorners=true."""
    return F.interpolate(fixture_input(backbone), size=(224, 224), mode='bilinear', align_corners=True)


def test_nsfwjs_mobilenetv2_converter_reproduces_nsfwjs(nsfwjs):
    blob, ref = nsfwjs
    assert blob['backbone_name'] == 'mobilenet_v2_tf' and 'uint8' in blob['source'] and 'ImageNet' in blob['source']
    model = AuNet('mobilenet_v2_tf', 12).eval()
    model.backbone.load_state_dict(blob['backbone'])  # strict: every torchvision features.* tensor is converted
    with torch.no_grad():
        fmap = model.backbone(_nsfwjs_input('mobilenet_v2_tf'))  # out_relu: Conv_1 -> BN -> ReLU6, before the classifier
        pooled = model.features(_nsfwjs_input('mobilenet_v2_tf'))
        e = blob['extra']
        h = torch.relu(pooled @ e['dense_1.weight'].T + e['dense_1.bias'])
        h = torch.relu(h @ e['dense_2.weight'].T + e['dense_2.bias'])
        probs = torch.softmax(h @ e['dense_3.weight'].T + e['dense_3.bias'], 1)
    assert list(fmap.permute(0, 2, 3, 1).shape) == ref['shape'] == [1, 7, 7, 1280]
    # Same dequantised uint8 weights on both sides; measured 2.6e-5 (pooled values up to 3.7), corners 1.6e-5.
    assert np.abs(pooled[0].numpy() - np.array(ref['pooled'])).max() < 1e-4
    assert np.abs(fmap[0, :32, 0, 0].numpy() - np.array(ref['corner00'])).max() < 1e-4
    assert np.abs(fmap[0, :32, 6, 6].numpy() - np.array(ref['corner66'])).max() < 1e-4  # the side Keras pads
    assert np.abs(probs[0].numpy() - np.array(ref['probabilities'])).max() < 1e-5
    assert ref['classes'][int(probs.argmax())] == 'Neutral'


def test_nsfwjs_weights_load_into_torchvision_mobilenet_v2_with_bn_eps_folded(nsfwjs, tmp_path):
    blob, _ = nsfwjs
    torch.save(blob, tmp_path / 'nsfw.pt')
    tf_net, tv_net = AuNet('mobilenet_v2_tf', 12).eval(), AuNet('mobilenet_v2', 12).eval()
    load_pretrained(tf_net, str(tmp_path / 'nsfw.pt'))
    with pytest.warns(UserWarning, match='converted for backbone mobilenet_v2_tf'):
        source = load_pretrained(tv_net, str(tmp_path / 'nsfw.pt'))
    assert 'loaded into mobilenet_v2' in source
    # torchvision BN eps 1e-5 vs Keras 1e-3: running_var + 1e-3 - 1e-5 gives the same BatchNorm outputs.
    bn_tf, bn_tv = tf_net.backbone.blocks[18][1], tv_net.backbone.blocks[18][1]
    assert (bn_tf.eps, bn_tv.eps) == (1e-3, 1e-5)
    x = torch.randn(2, 1280, 3, 3)
    with torch.no_grad():
        assert torch.allclose(bn_tf(x), bn_tv(x), atol=1e-5)
    # torchvision's symmetric padding is not Keras's (0, 1) before stride-2 convs: the outputs differ
    # (pooled cosine 0.73 vs nsfwjs on the fixture face), so mobilenet_v2_tf is the backbone that reproduces nsfwjs.


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
