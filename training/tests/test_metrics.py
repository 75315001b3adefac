import numpy as np

from training.aupipe_train.metrics import binary_auc, evaluate, prf, tune_threshold


def test_auc_known_values_and_ties():
    assert binary_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert binary_auc(np.array([0.5, 0.5]), np.array([0, 1])) == 0.5
    assert np.isnan(binary_auc(np.array([0.1, 0.2]), np.array([1, 1])))


def test_prf_and_threshold_tuning():
    assert prf(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])) == (0.5, 0.5, 0.5)
    scores, labels = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1])
    t = tune_threshold(scores, labels)
    assert prf((scores >= t).astype(int), labels)[2] == 1.0


def test_evaluate_skips_unknown_labels_and_aus_without_positives():
    probs = np.array([[0.9, 0.2], [0.1, 0.3], [0.8, 0.1]])
    labels = np.array([[1, 0], [0, np.nan], [np.nan, 0]], dtype=float)
    r = evaluate(probs, labels, ['AU1', 'AU2'])
    assert r['per_au']['AU1']['n'] == 2 and r['per_au']['AU1']['f1'] == 1.0
    assert r['aus_scored'] == 1 and r['mean_f1'] == 1.0
