"""training/scripts/cnn_teacher_frames.py on small synthetic inputs: `build` labels each crop with the teacher's
blendshapes read as AUs, names the person (not the clip) as subject and skips what it cannot label; `score` matches
hand-labelled frames to the nearest crop in time and scores the CNN, the mesh and their fusion with counts."""
import csv
import importlib.util
import json
from pathlib import Path

from training.aupipe_train.teacher.bundle import BLENDSHAPES

SCRIPT = Path(__file__).resolve().parents[1] / 'scripts' / 'cnn_teacher_frames.py'
spec = importlib.util.spec_from_file_location('cnn_teacher_frames', SCRIPT)
ctf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ctf)
AUS = ctf.AUS


def _inputs(root: Path):
    """Two clips of one person (b labelled, a only `alsoSeenIn`) and one of another (c); 4 faces each at 0, 100, 200,
    300 ms."""
    crops = root / 'crops'
    (crops / 'crops').mkdir(parents=True)
    (crops / 'meta.json').write_text(json.dumps({'format': 'aupipe-dataset', 'aus': AUS, 'extra': {}}))
    feats, teacher = [], []
    for clip in ('a.mp4', 'b.mp4', 'c.mp4', 'x.mp4'):
        for k in range(4):
            frame = f'frames/{clip}-{k:05d}.ppm'
            crop = f'crops/crops/{clip}-{k:05d}-t1.png'
            (crops / 'crops' / Path(crop).name).write_bytes(b'')
            smile = 1.0 if k % 2 else 0.0  # the mesh reads the smile on odd faces
            feats.append({'clip': clip, 'pts_ms': str(k * 100), 'track': '1', 'frame': frame,
                          'crop': '' if (clip == 'a.mp4' and k == 3) else crop, 'f0': '0.5',
                          **{f'au_{au}': str(smile if au == 'AU12' else 0.2) for au in AUS}})
            s = {n: 0.0 for n in BLENDSHAPES}
            s['mouthSmileLeft'] = s['mouthSmileRight'] = 0.8 if k % 2 else 0.1
            s['browInnerUp'] = 1.7  # clipped to 1
            presence = 0.2 if (clip == 'b.mp4' and k == 0) else 0.99
            teacher.append({'file': f'{frame}#1', **{n: str(v) for n, v in s.items()},
                            'presence': str(presence), 'align_err': ''})
    with open(root / 'features.csv', 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=list(feats[0]))
        w.writeheader()
        w.writerows(feats)
    with open(root / 'teacher.csv', 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=list(teacher[0]))
        w.writeheader()
        w.writerows(teacher)
    labels = {'persons': {'p1': {'clips': ['b.mp4'], 'alsoSeenIn': ['a.mp4']}, 'p2': {'clips': ['c.mp4']}},
              'frames': [{'clip': c, 't': t, 'labels': {'AU12': int(t in (0.11, 0.29)), 'AU1': 1}}
                         for c in ('b.mp4', 'c.mp4') for t in (0.0, 0.11, 0.22, 0.29)]
              + [{'clip': 'c.mp4', 't': 2.0, 'labels': {'AU12': 1}}]}  # no face within 60 ms: left out
    (root / 'frame-labels.json').write_text(json.dumps(labels))
    return root


def test_build_labels_crops_by_person_and_skips_what_it_cannot(tmp_path, capsys):
    root = _inputs(tmp_path)
    out = tmp_path / 'ds'
    rc = ctf.main(['build', '--features', str(root / 'features.csv'), '--teacher', str(root / 'teacher.csv'),
                   '--crops', str(root / 'crops'), '--frame-labels', str(root / 'frame-labels.json'),
                   '--out', str(out)])
    assert rc == 0
    rows = list(csv.DictReader(open(out / 'labels.csv')))
    assert len(rows) == 16 - 1 - 1 - 4  # a's face without a crop, b's absent face, the unknown clip x
    assert {r['subject'] for r in rows if r['source'] in ('a.mp4', 'b.mp4')} == {'p1'}
    assert {r['subject'] for r in rows if r['source'] == 'c.mp4'} == {'p2'}
    odd = [r for r in rows if int(r['frame']) % 200 == 100]
    assert all(abs(float(r['AU12']) - 0.8) < 1e-6 for r in odd)
    assert all(float(r['AU1']) == 1.0 for r in rows)  # clipped into [0, 1]
    assert (out / 'crops').resolve() == (root / 'crops' / 'crops').resolve()
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['extra']['skipped'] == {'no crop': 1, 'no teacher face': 1, 'unknown person': 4}


def test_score_matches_frames_in_time_and_reports_counts(tmp_path, capsys):
    root = _inputs(tmp_path)
    run = tmp_path / 'run'
    run.mkdir()
    files = [f'crops/{c}-{k:05d}-t1.png' for c in ('b.mp4', 'c.mp4') for k in range(4)]
    # the CNN ranks the smile backwards: the fusion sits between it and the mesh
    oof = {'aus': AUS, 'rows': [{'file': f, 'probs': [0.9 if (AUS[j] == 'AU12' and int(f[-12:-7]) % 2 == 0) else 0.1
                                                      for j in range(12)]} for f in files]}
    (run / 'oof.json').write_text(json.dumps(oof))
    out = tmp_path / 'score.json'
    rc = ctf.main(['score', '--features', str(root / 'features.csv'), '--run', str(run),
                   '--frame-labels', str(root / 'frame-labels.json'), '--teacher', str(root / 'teacher.csv'),
                   '--out', str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    assert res['frames'] == 8  # the frame at 2 s has no face within 60 ms
    t = res['tables']
    assert t['mesh']['AU12'] == {'auc': 1.0, 'positives': 4, 'negatives': 4}
    assert t['cnn']['AU12']['auc'] == 0.0
    assert t['teacher']['AU12'] == {'auc': 1.0, 'positives': 4, 'negatives': 4}
    # per-AU weights chosen on the other person: with one person per side, p1's choice comes from p2's frames
    assert set(res['fusion_weights_per_person']) == {'p1', 'p2'}
    assert 'AU1' not in t['mesh']  # one class only: left out, not scored
    assert 'AU12' in capsys.readouterr().out


def test_nested_fusion_picks_the_better_source_on_other_persons():
    import numpy as np
    rng = np.random.default_rng(0)
    n = 300
    y = (rng.random((n, 2)) < 0.3).astype(float)
    good, noise = y + 0.3 * rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    c = np.stack([good[:, 0], noise[:, 1]], 1)  # the CNN sees AU a, the mesh AU b
    m = np.stack([noise[:, 0], good[:, 1]], 1)
    person = [f'p{i % 3}' for i in range(n)]
    fused, chosen = ctf.nested_fusion(c, m, y, person)
    assert all(w == [1.0, 0.0] for w in chosen.values())
    assert np.allclose(fused[:, 0], c[:, 0]) and np.allclose(fused[:, 1], m[:, 1])
