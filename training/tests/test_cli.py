import json

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
