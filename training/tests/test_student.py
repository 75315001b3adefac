"""The mesh student: Platt scaling, ECE, frame matching, the out-of-person protocol on synthetic data, and the
ONNX export equal to PyTorch (≤ 1e-4, in onnxruntime-node) with a card the TypeScript side reads."""
import json

import numpy as np
import torch

from training.aupipe_train.student import (StudentNet, as_stills, auc_report, ece, export_student, match_frames,
                                           out_of_fold, person_of, platt_fit, train_net)


def test_platt_fit_recovers_a_known_logistic():
    rng = np.random.default_rng(3)
    s = rng.normal(size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(2.0 * s - 0.5)))).astype(float)
    a, b = platt_fit(s, y)
    assert abs(a - 2.0) < 0.25 and abs(b + 0.5) < 0.15


def test_person_of_reads_labelled_clips_and_also_seen_in_and_falls_back_to_the_clip():
    labels = {'persons': {'p1': {'clips': ['a.mp4'], 'alsoSeenIn': ['b.mov']}, 'p2': {'clips': ['c.mp4']}}}
    assert [person_of(c, labels) for c in ('a.mp4', 'b.mov', 'c.mp4', 'x.mp4')] == ['p1', 'p1', 'p2', 'x.mp4']


def test_platt_fit_one_class_is_identity():
    assert platt_fit(np.array([0.1, 0.2]), np.array([1.0, 1.0])) == (1.0, 0.0)


def test_ece_zero_when_calibrated_and_large_when_not():
    rng = np.random.default_rng(1)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(float)
    assert ece(p, y) < 0.02
    assert ece(np.full(1000, 0.99), np.zeros(1000)) > 0.9


def test_match_frames_takes_the_nearest_row_within_tolerance():
    feats = {'clip': ['a', 'a', 'a', 'b'], 'pts_ms': np.array([0.0, 100.0, 200.0, 0.0]), 'track': np.array([1, 1, 1, 1])}
    labels = {'frames': [{'clip': 'a', 't': 0.11, 'labels': {'AU1': 1}}, {'clip': 'a', 't': 0.5, 'labels': {'AU1': 0}},
                         {'clip': 'c', 't': 0.0, 'labels': {'AU1': 0}}, {'clip': 'b', 't': 0.0, 'labels': {}}]}
    assert match_frames(feats, labels) == [(1, {'AU1': 1})]


def test_as_stills_zeroes_the_person_baseline():
    names = ['abs_AU1', 'rel_AU1', 'baseline_weight', 'yaw']
    X = np.ones((2, 4), np.float32)
    assert as_stills(X, names).tolist() == [[1, 0, 0, 1], [1, 0, 0, 1]]


def _synthetic(n_per=120, persons=5, seed=0):
    """A feature that drives the teacher's AU1 logit and the hand label; persons differ by an offset."""
    rng = np.random.default_rng(seed)
    X, Z, y, who = [], [], [], []
    for p in range(persons):
        f = rng.normal(size=(n_per, 3)).astype(np.float32)
        f[:, 1] += p * 0.1
        z = 2 * f[:, 0:1] + 0.1 * rng.normal(size=(n_per, 1))
        X.append(f)
        Z.append(np.repeat(z, 12, 1))
        y.append((f[:, 0] > 0.3).astype(np.float32))
        who += [f'p{p}'] * n_per
    X, Z, y = np.concatenate(X), np.concatenate(Z).astype(np.float32), np.concatenate(y)
    hand = np.full(Z.shape, np.nan, np.float32)
    hand[::3, 0] = y[::3]
    return X, Z, hand, who


def test_out_of_fold_student_ranks_a_learnable_au():
    X, Z, hand, who = _synthetic()
    feats = {'X': X, 'names': ['abs_AU1', 'rel_AU1', 'yaw']}
    P = out_of_fold(feats, Z, np.ones_like(Z), hand, who, epochs=150, stills_aug=False)
    rep = auc_report(P, hand, who)
    assert rep['AU1']['auc'] > 0.95 and rep['AU1']['positives'] > 20 and rep['AU1']['negatives'] > 20
    assert 'AU2' not in rep  # no hand labels, no row


def test_export_equals_pytorch_and_writes_the_card(tmp_path):
    X, Z, _, _ = _synthetic(n_per=40, persons=2)
    net = train_net(X, Z, np.ones_like(Z), epochs=50)
    net.platt_a.fill_(1.3)
    net.platt_b.fill_(-0.2)
    names = ['f0', 'f1', 'f2']
    card = export_student(net, names, str(tmp_path / 'st'), {'note': 'test'}, X[:16])
    assert card['onnx']['ortVsTorchMaxAbsDiff'] <= 1e-4
    saved = json.loads((tmp_path / 'st' / 'model.json').read_text())
    assert saved['kind'] == 'mesh-student' and saved['features'] == names and len(saved['aus']) == 12
    with torch.no_grad():
        p = net(torch.from_numpy(X[:4])).numpy()
    assert p.shape == (4, 12) and np.all((p > 0) & (p < 1))


def test_student_net_output_is_a_probability():
    net = StudentNet(5).eval()
    with torch.no_grad():
        p = net(torch.randn(7, 5) * 100).numpy()
    assert p.shape == (7, 12) and np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))


def test_nested_fusion_picks_the_better_source_on_other_persons_only():
    from training.aupipe_train.student import nested_fusion

    rng = np.random.default_rng(5)
    n = 300
    y = (rng.random(n) < 0.3).astype(np.float32)
    rule = np.full((n, 12), 0.5, np.float32) + 0.01 * rng.random((n, 12)).astype(np.float32)  # uninformative
    student = np.clip(np.repeat((0.2 + 0.6 * y)[:, None], 12, 1) + 0.05 * rng.random((n, 12)), 0.01, 0.99)
    hand = np.full((n, 12), np.nan, np.float32)
    hand[:, 0] = y
    persons = [f'p{i % 4}' for i in range(n)]
    fused, chosen = nested_fusion(rule, student.astype(np.float32), hand, persons)
    from training.aupipe_train.metrics import binary_auc

    assert len(chosen['AU1']) == 4 and min(chosen['AU1']) > 0  # every fold takes the student in for AU1
    assert binary_auc(fused[:, 0], y.astype(int)) > 0.99
    assert chosen['AU2'] == [0.0] * 4  # no labels: the rule stays
    assert np.allclose(fused[:, 1], rule[:, 1], atol=1e-5)
