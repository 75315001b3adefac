import numpy as np

from training.aupipe_train.data import split_train_val_test
from training.aupipe_train.yardstick import auc_table, face_id, hand_label_matrix


def test_train_only_subjects_never_reach_test_folds():
    subjects = ['big'] * 40 + [f's{i}' for i in range(12)]
    seen_test = set()
    for fold in range(3):
        tr, va, te = split_train_val_test(subjects, fold, 3, train_only=['big'])
        assert not {subjects[i] for i in te} & {'big'}
        assert not set(tr) & set(va) and not set(tr) & set(te) and not set(va) & set(te)
        assert len(tr) + len(va) + len(te) == len(subjects)
        assert sum(subjects[i] == 'big' for i in va) == 10  # a quarter of the train-only faces validate
        seen_test |= set(te)
    assert seen_test == set(range(40, 52))  # every other face is tested exactly once over the folds


def test_hand_labels_join_unwarped_crops_only():
    hand = {'sample1-2': {'AU12': 1, 'AU25': 0}}
    files = ['crops/sample1-2-a0.png', 'crops/sample1-2-a1.png', 'crops/other-a0.png', 'crops/sample1-2-w1.png']
    assert face_id(files[1]) == ('sample1-2', 1)
    assert face_id(files[3])[0] == 'sample1-2' and face_id(files[3])[1] != 0  # mesh-warped: never the base crop
    m = hand_label_matrix(files, ['AU12', 'AU25', 'AU26'], hand)
    assert m[0, 0] == 1 and m[0, 1] == 0 and np.isnan(m[0, 2]) and np.isnan(m[1]).all() and np.isnan(m[2]).all()
    assert np.isnan(m[3]).all()


def test_auc_table_needs_both_classes():
    scores = np.array([[0.9, 0.1], [0.2, 0.3], [0.7, 0.2]])
    hand = np.array([[1, 1], [0, 1], [1, np.nan]])
    t = auc_table(scores, hand, ['AU12', 'AU25'])
    assert t == {'AU12': {'auc': 1.0, 'positives': 2, 'negatives': 1}}


def test_pooled_scores_the_cnn_its_teacher_and_their_fusion_on_the_hand_labels():
    import types

    import torch

    from training.aupipe_train.experiment import pooled

    files = [f'crops/f{i}-a0.png' for i in range(4)]
    hand = {'f0': {'AU12': 1}, 'f1': {'AU12': 1}, 'f2': {'AU12': 0}, 'f3': {'AU12': 0}}
    # teacher (the soft labels) ranks f1 below f2; the CNN ranks f0 below f3; their mean ranks all four right
    labels = torch.tensor([[0.9], [0.3], [0.4], [0.1]])
    ds = types.SimpleNamespace(files=files, aus=['AU12'], labels=labels)
    results = [{'test_index': [0, 1, 2, 3], 'test_probs': [[0.35], [0.9], [0.1], [0.4]], 'thresholds': {'AU12': 0.5}}]
    out = pooled(ds, results, hand)
    y = out['yardstick']['AU12']
    assert y['auc'] == 0.75 and y['teacher_auc'] == 0.75 and y['fusion_auc'] == 1.0
    assert out['yardstick_fusion_mean_auc'] == 1.0
