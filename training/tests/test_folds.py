"""The one fold definition: the trainer's subject_folds against the shared vectors (config/folds/vectors.json),
which the TypeScript subjectFolds (src/eval/folds.ts, test/eval/folds.test.ts) checks too."""
import json
from pathlib import Path

from training.aupipe_train.data import subject_folds

VECTORS = Path(__file__).resolve().parents[2] / 'config' / 'folds' / 'vectors.json'


def test_subject_folds_match_the_shared_vectors():
    cases = json.loads(VECTORS.read_text())['cases']
    assert len(cases) >= 5
    for c in cases:
        got = [0] * len(c['subjects'])
        for f, idx in enumerate(subject_folds(c['subjects'], c['k'], c['seed'])):
            for i in idx:
                got[i] = f
        assert got == c['folds'], c['name']
