"""face-api's SSD rebuilt in PyTorch: the anchor count and output layout, and the ONNX export equal to PyTorch in
onnxruntime-node (the test against face-api's own tfjs forward pass is test/detect/ssd-graph.test.ts)."""
import json

import numpy as np
import torch

from training.aupipe_train.face_api_ssd import ANCHORS, SIZE, check_input, export_face_api_ssd, load_face_api_ssd


def test_outputs_are_decoded_boxes_and_probabilities_per_anchor():
    m = load_face_api_ssd()
    with torch.no_grad():
        boxes, scores = m(torch.from_numpy(check_input()[:1]))
    assert boxes.shape == (1, ANCHORS, 4) and scores.shape == (1, ANCHORS)
    assert float(scores.min()) >= 0 and float(scores.max()) <= 1
    b = boxes.numpy()[0]
    assert np.all(b[:, 2] > b[:, 0]) and np.all(b[:, 3] > b[:, 1])  # ymax > ymin, xmax > xmin


def test_export_matches_pytorch_in_onnxruntime_and_writes_a_card(tmp_path):
    out = tmp_path / 'ssd.onnx'
    card = export_face_api_ssd(str(out))
    assert out.exists() and card['onnx']['ortMaxAbsDiffVsPyTorch'] <= 1e-4
    assert json.loads(out.with_suffix('.json').read_text())['input']['shape'] == ['batch', SIZE, SIZE, 3]
