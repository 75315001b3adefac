import base64
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from training.aupipe_train.convert import convert_face_expression
from training.aupipe_train.data import load_dataset, split_train_val_test, subject_folds
from training.aupipe_train.experiment import run_split
from training.aupipe_train.export import write_bundle
from training.aupipe_train.train import TrainConfig, train

SIZE = 48  # small crops keep the run to seconds; the machinery is size-agnostic
AUS = ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26']


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    path = tmp_path_factory.mktemp('w') / 'face-expression.pt'
    torch.save(convert_face_expression(), path)
    return str(path)


@pytest.fixture(scope='module')
def ds(tiny_dataset):
    return load_dataset(str(tiny_dataset), AUS, SIZE)


def _cfg(pretrained, **kw):
    return TrainConfig(backbone='face_dense', size=SIZE, pretrained=pretrained, epochs_head=2, epochs_ft=3, batch_size=16,
                       lr_head=3e-2, lr_backbone=3e-3, **kw)


def test_dataset_reads_soft_labels_and_masks_unknown(ds):
    assert ds.images.shape == (240, 3, SIZE, SIZE) and ds.images.dtype == torch.uint8
    j = AUS.index('AU25')
    assert np.allclose(np.unique(ds.labels[:, j].numpy()), [0.1, 0.9])
    assert torch.isnan(ds.labels[:, AUS.index('AU4')]).all()


def test_folds_are_subject_independent(ds):
    folds = subject_folds(ds.subjects, 3)
    subj = [{ds.subjects[i] for i in f} for f in folds]
    assert not (subj[0] & subj[1]) and not (subj[1] & subj[2]) and sum(map(len, folds)) == len(ds)
    tr, va, te = split_train_val_test(ds.subjects, 0, 3)
    assert not set(tr) & set(te) and not set(va) & set(te)


@pytest.fixture(scope='module')
def trained(ds, pretrained, tmp_path_factory):
    out = tmp_path_factory.mktemp('run')
    res, model = run_split(_cfg(pretrained, out=str(out)), ds, 0, 3)
    return res, model, out


def test_tiny_end_to_end_run_clearly_beats_chance(trained):
    res, _, out = trained
    per_au = res['test']['at_tuned']['per_au']
    for au in ('AU1', 'AU25', 'AU12'):
        assert per_au[au]['auc'] > 0.75, (au, per_au[au])
    # chance F1 for a 40%-prevalence AU predicted at random is ~0.4
    assert res['test']['at_tuned']['mean_f1'] > 0.6
    log = json.loads((out / 'run.json').read_text())
    assert [e['stage'] for e in log['epochs']][:2] == ['head', 'head'] and log['config']['loss'] == 'proposed'
    assert 'face_expression' in log['initialWeights']


def test_resume_continues_from_the_checkpoint(ds, pretrained, tmp_path):
    tr, va, _ = split_train_val_test(ds.subjects, 0, 3)
    first = replace(_cfg(pretrained, out=str(tmp_path)), epochs_head=1, epochs_ft=0)
    train(first, ds.subset(tr), ds.subset(va))
    _, log = train(replace(first, epochs_ft=1), ds.subset(tr), ds.subset(va), resume=True)
    assert [e['stage'] for e in log['epochs']] == ['head', 'finetune']


def test_export_onnx_runtime_equals_pytorch(trained, ds, tmp_path):
    _, model, _ = trained
    card = write_bundle(model, str(tmp_path), name='tiny', size=SIZE, aus=AUS, thresholds={'AU1': 0.4}, alignment='test-template',
                        training_data='tiny test set', initial_weights='face-api', loss='proposed', metrics={},
                        fixture_crops=ds.images[:3], fixture_files=ds.files[:3], bench=0)
    assert card['onnx']['ortMaxAbsDiff'] <= 1e-4
    assert card['input']['layout'] == 'NCHW' and card['thresholds']['AU1'] == 0.4 and card['thresholds']['AU2'] == 0.5
    fixture = json.loads((tmp_path / 'fixture.json').read_text())
    crop = np.frombuffer(base64.b64decode(fixture['crops'][0]['rgb']), np.uint8)
    assert crop.size == SIZE * SIZE * 3 and len(fixture['crops'][0]['expected']) == 12
    # the card's preprocessing formula reproduces the expected outputs in PyTorch
    x = torch.from_numpy(crop.reshape(SIZE, SIZE, 3).astype(np.float32)).permute(2, 0, 1)[None]
    m, s = torch.tensor(card['input']['mean']).view(1, 3, 1, 1), torch.tensor(card['input']['std']).view(1, 3, 1, 1)
    with torch.no_grad():
        p = torch.sigmoid(model.eval()((x / card['input']['range'] - m) / s))
    assert np.abs(p[0].numpy() - np.array(fixture['crops'][0]['expected'])).max() < 1e-4
