"""The crop CNN taught by the learned teacher on real video frames, scored out of person on the hand-labelled frames.

build: a prepared dataset (the trainer's input) from `aupipe dataset features … --frames --crops` and the teacher's
       labels of the same faces (`python3 -m training teacher label --images OUT/faces.csv`): each face's aligned crop,
       labelled with the teacher's blendshapes read as AUs (`AU_FROM_BLENDSHAPES`, soft labels in [0, 1]), subject =
       the person (test/fixtures/frame-labels.json `persons`), so the trainer's subject folds are folds by person.
score: a k-fold run's oof.json (each crop scored by the fold model that never saw that person) against the
       hand-labelled frames, beside the production mesh estimator on the same faces (features.csv `au_*`) and their
       fusion as the pipeline's `fusion` estimator computes it (p = w · cnn + (1 − w) · mesh, w = 0.5 fixed, not fitted),
       and with a weight per AU chosen on the other persons (nested, out of person).
       Per AU: AUC with the counts of positives and negatives.

/usr/bin/python3 training/scripts/cnn_teacher_frames.py build --features D/features.csv --teacher D/teacher.csv \
    --crops D/crops --out training/runs/cnn-teacher-data
/usr/bin/python3 -m training train --data training/runs/cnn-teacher-data --folds 4 --fold -1 --out RUN …
/usr/bin/python3 training/scripts/cnn_teacher_frames.py score --features D/features.csv --run RUN
"""
import argparse
import csv
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.aupipe_train.teacher.label import AU_FROM_BLENDSHAPES, read_csv  # noqa: E402
from training.aupipe_train.yardstick import auc_table  # noqa: E402

AUS = ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU9', 'AU12', 'AU15', 'AU17', 'AU20', 'AU25', 'AU26']
MIN_PRESENCE = 0.5  # the teacher's own face-presence score: below it the face is not labelled


def persons(frame_labels: str) -> dict:
    d = json.loads(Path(frame_labels).read_text())
    out = {}
    for pid, p in d['persons'].items():
        for c in p.get('clips', []) + p.get('alsoSeenIn', []):
            out[c] = pid
    return out


def features_rows(path: str) -> list:
    with open(path, newline='') as fh:
        rows = list(csv.DictReader(fh))
    seen: dict = {}
    for r in rows:  # the teacher keys the k-th face of a frame `file#k`, in faces.csv (= features.csv) order
        seen[r['frame']] = seen.get(r['frame'], 0) + 1
        r['teacher_key'] = f"{r['frame']}#{seen[r['frame']]}"
    return rows


def cmd_build(a) -> int:
    who = persons(a.frame_labels)
    teacher = {r['file']: r for r in read_csv(a.teacher)}
    crops = Path(a.crops).resolve()
    meta = json.loads((crops / 'meta.json').read_text())
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / 'crops').exists():
        os.symlink(crops / 'crops', out / 'crops')
    n, skipped = 0, {'no crop': 0, 'no teacher face': 0, 'unknown person': 0}
    with open(out / 'labels.csv', 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(['file', 'subject', 'source', 'frame', *AUS])
        for r in features_rows(a.features):
            t = teacher.get(r['teacher_key'])
            if not r.get('crop'):
                skipped['no crop'] += 1
            elif t is None or t['presence'] < MIN_PRESENCE:
                skipped['no teacher face'] += 1
            elif r['clip'] not in who:
                skipped['unknown person'] += 1
            else:
                file = 'crops/' + Path(r['crop']).name
                w.writerow([file, who[r['clip']], r['clip'], r['pts_ms'],
                            *(f'{min(max(AU_FROM_BLENDSHAPES[au](t["scores"]), 0.0), 1.0):.4f}' for au in AUS)])
                n += 1
    meta.update(source='clips:teacher', createdWith='training/scripts/cnn_teacher_frames.py build',
                extra={**meta.get('extra', {}), 'labels': 'MediaPipe Face Landmarker v2 blendshapes read as AUs '
                       '(AU_FROM_BLENDSHAPES), the teacher; training time only', 'skipped': skipped})
    (out / 'meta.json').write_text(json.dumps(meta, indent=2) + '\n')
    print(json.dumps({'out': str(out), 'faces': n, 'skipped': skipped}))
    return 0


def labelled_frames(frame_labels: str, features: list, tol_ms: float = 60.0) -> list:
    """Each hand-labelled frame matched to its clip's face nearest in time (lowest track on ties), within tol_ms."""
    d = json.loads(Path(frame_labels).read_text())
    by_clip: dict = {}
    for r in features:
        by_clip.setdefault(r['clip'], []).append(r)
    out = []
    for f in d['frames']:
        cands = by_clip.get(f['clip'], [])
        if not cands:
            continue
        best = min(cands, key=lambda r: (abs(float(r['pts_ms']) - f['t'] * 1000), int(r['track'])))
        if abs(float(best['pts_ms']) - f['t'] * 1000) <= tol_ms:
            out.append((f, best))
    return out


WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def nested_fusion(c: np.ndarray, m: np.ndarray, hand: np.ndarray, person: list) -> tuple:
    """p = w · cnn + (1 − w) · mesh with w per AU chosen (best pooled AUC, ties to the smaller w) on every other
    person's frames, applied to the held-out person's: an out-of-person estimate of a per-AU fusion weight."""
    person = np.array(person)
    out, chosen = np.zeros_like(c), {}
    for p in sorted(set(person)):
        held, rest = person == p, person != p
        ws = []
        for j in range(c.shape[1]):
            best, best_auc = 0.0, -1.0
            for w in WEIGHTS:
                t = auc_table((w * c[rest, j] + (1 - w) * m[rest, j])[:, None], hand[rest, j:j + 1], ['x'])
                if t and t['x']['auc'] > best_auc + 1e-9:
                    best, best_auc = w, t['x']['auc']
            ws.append(best)
        w = np.array(ws)
        out[held] = w * c[held] + (1 - w) * m[held]
        chosen[p] = ws
    return out, chosen


def cmd_score(a) -> int:
    feats = features_rows(a.features)
    oof = json.loads((Path(a.run) / 'oof.json').read_text())
    col = {au: oof['aus'].index(au) for au in AUS if au in oof['aus']}
    cnn = {Path(r['file']).name: r['probs'] for r in oof['rows']}
    pairs = [(f, r) for f, r in labelled_frames(a.frame_labels, feats) if Path(r['crop']).name in cnn]
    aus = [au for au in AUS if au in col]
    hand = np.array([[f['labels'].get(au, np.nan) for au in aus] for f, _ in pairs], dtype=float)
    c = np.array([[cnn[Path(r['crop']).name][col[au]] for au in aus] for _, r in pairs])
    m = np.array([[float(r[f'au_{au}']) for au in aus] for _, r in pairs])
    who = persons(a.frame_labels)
    person = [who.get(f['clip'], f['clip']) for f, _ in pairs]
    fused, chosen = nested_fusion(c, m, hand, person)
    tables = {'cnn': auc_table(c, hand, aus), 'mesh': auc_table(m, hand, aus),
              f'fusion w={a.weight}': auc_table(a.weight * c + (1 - a.weight) * m, hand, aus),
              'fusion w/AU': auc_table(fused, hand, aus)}
    if a.teacher:  # for reference: the teacher itself on the same faces (what the CNN was taught)
        teacher = {r['file']: r for r in read_csv(a.teacher)}
        t = np.array([[AU_FROM_BLENDSHAPES[au](teacher[r['teacher_key']]['scores']) if r['teacher_key'] in teacher
                       else np.nan for au in aus] for _, r in pairs])
        ok = ~np.isnan(t).any(1)
        tables['teacher'] = auc_table(t[ok], hand[ok], aus)
    print(f'{len(pairs)} hand-labelled frames matched to a scored crop (run {a.run})')
    print('AU    (+/-)    ' + '  '.join(f'{k:>12}' for k in tables))
    for au in aus:
        t = tables['mesh'].get(au)
        if not t:
            continue
        cells = '  '.join(f"{tables[k][au]['auc']:>12.3f}" if au in tables[k] else f"{'-':>12}" for k in tables)
        print(f"{au:<5} ({t['positives']}/{t['negatives']})  {cells}")
    print('fusion w/AU: the CNN weight per AU chosen from ' + ', '.join(map(str, WEIGHTS)) + ' on the other persons'
          "' frames (nested: each person scored with weights it did not choose); chosen per held-out person:")
    for j, au in enumerate(aus):
        print(f'  {au:<5} ' + ' '.join(f'{chosen[p][j]:.2f}' for p in sorted(chosen)))
    if a.out:
        Path(a.out).write_text(json.dumps({'frames': len(pairs), 'run': a.run, 'tables': tables,
                                           'fusion_weights_per_person': {p: dict(zip(aus, w)) for p, w in chosen.items()}},
                                          indent=1))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build')
    b.add_argument('--features', required=True)
    b.add_argument('--teacher', required=True)
    b.add_argument('--crops', required=True, help='the dataset `aupipe dataset features --crops` wrote (OUT/crops)')
    b.add_argument('--frame-labels', default='test/fixtures/frame-labels.json')
    b.add_argument('--out', required=True)
    s = sub.add_parser('score')
    s.add_argument('--features', required=True)
    s.add_argument('--run', required=True, help='a k-fold run (train --fold -1) on the built dataset')
    s.add_argument('--frame-labels', default='test/fixtures/frame-labels.json')
    s.add_argument('--teacher', help="the teacher's labels (teacher.csv): its own AUCs on the same faces, for reference")
    s.add_argument('--weight', type=float, default=0.5, help="the CNN's weight in the fusion (classify.fusionWeight)")
    s.add_argument('--out', help='write the tables as JSON')
    a = p.parse_args(argv)
    return cmd_build(a) if a.cmd == 'build' else cmd_score(a)


if __name__ == '__main__':
    sys.exit(main())
