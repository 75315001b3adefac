import json
from pathlib import Path

import pytest
import torch

from training.aupipe_train.cli import main


def test_convert_writes_loadable_weights(tmp_path, capsys):
    out = tmp_path / 'w' / 'fe.pt'
    assert main(['convert', 'face-expression', '--out', str(out)]) == 0
    blob = torch.load(out)
    assert blob['backbone_name'] == 'face_dense' and 'face_expression' in blob['source']
    assert 'face_dense' in capsys.readouterr().out


def test_nsfwjs_mobilenetv2_converts_and_starts_a_training_run(tiny_dataset, tmp_path, capsys):
    weights, run = tmp_path / 'nsfw.pt', tmp_path / 'run'
    assert main(['convert', 'nsfwjs-mobilenetv2', '--out', str(weights)]) == 0
    assert 'backbone mobilenet_v2_tf' in capsys.readouterr().out
    args = ['train', '--data', str(tiny_dataset), '--backbone', 'mobilenet_v2_tf', '--pretrained', str(weights), '--size', '48',
            '--epochs-head', '1', '--epochs-ft', '0', '--batch-size', '32', '--fold', '0', '--device', 'cpu', '--out', str(run)]
    assert main(args) == 0
    assert json.loads((run / 'run.json').read_text())['initialWeights'].startswith('nsfwjs 4.4 MobileNetV2')


def test_train_export_eval_from_the_command_line(tiny_dataset, tmp_path, capsys):
    run = tmp_path / 'run'
    args = ['train', '--data', str(tiny_dataset), '--backbone', 'mobilenet_v1', '--width', '0.25', '--size', '48', '--epochs-head', '1',
            '--epochs-ft', '1', '--batch-size', '32', '--fold', '0', '--device', 'cpu', '--out', str(run)]
    assert main(args) == 0
    assert {'test_f1@0.5', 'test_auc'} <= set(json.loads(capsys.readouterr().out))
    assert (run / 'best.pt').exists() and (run / 'run.json').exists() and (run / 'checkpoint.pt').exists()
    assert main(['export', '--run', str(run), '--out', str(tmp_path / 'bundle'), '--bench', '0', '--fixture-count', '2']) == 0
    card = json.loads((tmp_path / 'bundle' / 'model.json').read_text())
    assert card['backbone'] == 'mobilenet_v1' and card['alignment'] == 'test-template' and len(card['aus']) == 12
    capsys.readouterr()
    assert main(['eval', '--run', str(run), '--data', str(tiny_dataset)]) == 0
    assert 'at_tuned' in json.loads(capsys.readouterr().out)


def test_unknown_backbone_is_rejected():
    with pytest.raises(SystemExit):
        main(['train', '--data', 'x', '--backbone', 'resnet', '--out', 'y'])


def test_kfold_writes_every_test_crop_once_out_of_fold(tiny_dataset, tmp_path, capsys):
    run = tmp_path / 'kf'
    args = ['train', '--data', str(tiny_dataset), '--backbone', 'mobilenet_v1', '--width', '0.25', '--size', '48', '--epochs-head', '1',
            '--epochs-ft', '0', '--batch-size', '32', '--fold', '-1', '--folds', '2', '--device', 'cpu', '--out', str(run)]
    assert main(args) == 0
    oof = json.loads((run / 'oof.json').read_text())
    files = [r['file'] for r in oof['rows']]
    assert len(files) == len(set(files)) == json.loads((run / 'kfold.json').read_text())['pooled']['n']
    assert all(len(r['probs']) == len(oof['aus']) and all(0 <= p <= 1 for p in r['probs']) for r in oof['rows'])


def test_rescore_scores_out_of_fold_predictions_on_new_hand_labels(tiny_dataset, tmp_path, capsys):
    # A k-fold run as train --fold -1 leaves it: metrics.json (with the data path) and oof.json. The CNN's
    # out-of-fold AU25 follows the drawn mouth exactly; hand labels say the same for 10 crops, so AU25 ranks
    # perfectly, for the CNN and for its teacher (the dataset's soft labels, 0.9 / 0.1).
    import csv

    rows = list(csv.DictReader(open(tiny_dataset / 'labels.csv')))[:40]
    aus = [k for k in rows[0] if k.startswith('AU')]
    mouth = {r['file']: float(r['AU25']) > 0.5 for r in rows}
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'metrics.json').write_text(json.dumps({'data': {'path': str(tiny_dataset)}, 'pooled': {'n': 40}}))
    oof = {'aus': aus, 'rows': [{'file': f, 'probs': [0.8 if (a == 'AU25' and m) else 0.3 for a in aus]}
                                for f, m in mouth.items()]}
    (run / 'oof.json').write_text(json.dumps(oof))
    labelled = list(mouth)[:10]
    faces = [{'id': Path(f).stem, 'labels': {'AU25': int(mouth[f]), 'AU1': 1}} for f in labelled]
    assert 0 < sum(mouth[f] for f in labelled) < 10  # both classes among the labelled crops
    hand = tmp_path / 'hand.json'
    hand.write_text(json.dumps({'faces': faces}))
    capsys.readouterr()
    assert main(['rescore', '--run', str(run), '--hand-labels', str(hand)]) == 0
    m = json.loads((run / 'metrics.json').read_text())['pooled']
    assert m['yardstick']['AU25']['auc'] == 1.0 and m['yardstick']['AU25']['teacher_auc'] == 1.0
    assert m['yardstick']['AU25']['positives'] + m['yardstick']['AU25']['negatives'] == 10
    assert 'AU1' not in m['yardstick']  # one class only: no AUC
    assert m['handLabels']['file'] == str(hand) and m['n'] == 40
    assert 'AU25 1.00 (teacher 1.00)' in capsys.readouterr().out
    # an oof.json that does not belong to the data is refused, not scored on a partial join
    oof['rows'].append({'file': 'crops/elsewhere-a0.png', 'probs': [0.5] * len(aus)})
    (run / 'oof.json').write_text(json.dumps(oof))
    with pytest.raises(SystemExit, match='1 out-of-fold crops are not in'):
        main(['rescore', '--run', str(run), '--hand-labels', str(hand)])
