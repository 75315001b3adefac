"""Writes config/folds/vectors.json: subject-independent fold test vectors from the trainer's own
`subject_folds` (training/aupipe_train/data.py), the one fold definition. The TypeScript `subjectFolds`
(src/eval/folds.ts) and the Python tests (training/tests/test_folds.py) both check them.

Run: /usr/bin/python3 config/folds/make_vectors.py
"""
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from training.aupipe_train.data import subject_folds  # noqa: E402


def per_row(subjects: list, k: int, seed: int) -> list:
    """Fold index of each row (the TypeScript shape) from the trainer's index lists."""
    fold = [0] * len(subjects)
    for f, idx in enumerate(subject_folds(subjects, k, seed)):
        for i in idx:
            fold[i] = f
    return fold


def case(name: str, subjects: list, k: int, seed: int) -> dict:
    return {'name': name, 'k': k, 'seed': seed, 'subjects': subjects, 'folds': per_row(subjects, k, seed)}


rng = random.Random(17)
many = [f's{rng.randrange(40):02d}' for _ in range(300)]
uneven = ['big'] * 9 + ['mid'] * 4 + ['mid2'] * 4 + ['a', 'b', 'c', 'd', 'e']
disfa = [f'SN{n:03d}' for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32) for _ in range(3)]
cases = [
    case('one row per subject, 3 folds', ['s1', 's2', 's3', 's4', 's5', 's6'], 3, 0),
    case('unsorted rows, repeated subjects', ['SN003', 'SN001', 'SN001', 'SN002', 'SN004', 'SN003', 'SN005', 'SN006'], 3, 0),
    case('uneven subject sizes', uneven, 3, 0),
    case('uneven subject sizes, seed 1', uneven, 3, 1),
    case('uneven subject sizes, 2 folds, seed 5', uneven, 2, 5),
    case('DISFA-like, 27 subjects of equal size', disfa, 3, 0),
    case('300 rows over 40 subjects', many, 3, 0),
    case('300 rows over 40 subjects, 5 folds, seed 2', many, 5, 2),
    case('seed beyond 32 bits', many, 4, 2**40 + 3),
]
doc = {
    'description': "Subject-independent folds: subjects sorted, shuffled with Python's random.Random(seed) "
    '(MT19937, random.shuffle), stably sorted by row count (largest first), then each dealt to the first fold '
    "with the fewest rows. 'folds' is the fold index of each row of 'subjects'. Written by make_vectors.py from "
    'training/aupipe_train/data.py subject_folds; checked by test/eval/folds.test.ts and training/tests/test_folds.py.',
    'cases': cases,
}
out = Path(__file__).with_name('vectors.json')
# one line per field, so the file stays readable and diffs stay small
lines = ['{', f' "description": {json.dumps(doc["description"])},', ' "cases": [']
for i, c in enumerate(cases):
    fields = ',\n'.join(f'   {json.dumps(k)}: {json.dumps(v)}' for k, v in c.items())
    lines.append('  {\n' + fields + '\n  }' + (',' if i < len(cases) - 1 else ''))
lines += [' ]', '}']
out.write_text('\n'.join(lines) + '\n')
print(f'{out}: {len(cases)} cases')
