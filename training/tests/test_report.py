import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _metrics(f1, hand):
    per_au = {a: {'f1': f1, 'auc': 0.6, 'positives': p, 'n': 29} for a, p in (('AU12', 17), ('AU26', 3), ('AU1', 0))}
    pooled = {'n': 29, 'at_0.5': {'mean_f1': f1, 'mean_auc': 0.5, 'per_au': per_au}, 'at_tuned': {'mean_f1': f1, 'mean_auc': 0.5, 'per_au': per_au},
              'yardstick': {'AU12': {'auc': hand, 'teacher_auc': 0.87, 'positives': 13, 'negatives': 6}},
              'yardstick_mean_auc': hand, 'yardstick_teacher_mean_auc': 0.87}
    folds = [{'epochs': [{'step': 7}, {'step': 14}]} for _ in range(3)]
    return {'pooled': pooled, 'seconds_per_epoch': 2.0, 'steps_to_95': [7, 14, None], 'best_step': [7, 14, 14], 'folds': folds}


def test_report_gives_mean_std_over_seeds_and_paired_differences(tmp_path):
    for seed, (fp, fb) in enumerate(((0.3, 0.2), (0.4, 0.2), (0.5, 0.2))):
        for name, f1 in (('fd-proposed', fp), ('fd-bce', fb)):
            (tmp_path / f'{name}-s{seed}').mkdir()
            (tmp_path / f'{name}-s{seed}' / 'metrics.json').write_text(json.dumps(_metrics(f1, 0.7 + f1 / 10)))
    out = subprocess.run([sys.executable, str(ROOT / 'training/scripts/report.py'), str(tmp_path)], capture_output=True, text=True, check=True).stdout
    assert '| face_dense, face-api init, proposed, aug (two-stage reference) | 3 | 0.400 ± 0.100 |' in out
    assert 'F1@0.5 +0.200 ± 0.100 (n=3)' in out  # paired proposed - bce
    assert '| AU26 (3) | AU12 (17) |' in out and 'AU1' in out.split('F1 undefined')[1]
    assert 'mobilenet_v1, face-api SSD init, proposed, aug | 0 | not run' in out


def test_fusion_oof_scores_cnn_mesh_and_their_mix(tmp_path, capsys):
    import json
    import subprocess
    import sys

    run = tmp_path / 'run'
    run.mkdir()
    files = [f'crops/f{i}-a0.png' for i in range(4)]
    rows = [{'file': f, 'probs': [p]} for f, p in zip(files, [0.35, 0.9, 0.1, 0.4])]
    (run / 'oof.json').write_text(json.dumps({'aus': ['AU12'], 'rows': rows}))
    (tmp_path / 'labels.csv').write_text('file,subject,source,frame,AU12\n' + ''.join(
        f'{f},s,x,0,{v}\n' for f, v in zip(files, [0.9, 0.3, 0.4, 0.1])))
    (tmp_path / 'hand.json').write_text(json.dumps({'version': 1, 'faces': [
        {'id': f'f{i}', 'labels': {'AU12': int(i < 2)}} for i in range(4)]}))
    out = subprocess.run([sys.executable, 'training/scripts/fusion_oof.py', '--mesh-labels', str(tmp_path / 'labels.csv'),
                          '--hand-labels', str(tmp_path / 'hand.json'), str(run)], capture_output=True, text=True, check=True).stdout
    assert '| cnn | 0.750 ± 0.000 | 0.750 |' in out
    assert '| mesh | 0.750 ± 0.000 | 0.750 |' in out
    assert '| fusion | 1.000 ± 0.000 | 1.000 |' in out
    # an AU left out of --fuse (classify.fusionAus) takes the mesh's value
    out = subprocess.run([sys.executable, 'training/scripts/fusion_oof.py', '--mesh-labels', str(tmp_path / 'labels.csv'),
                          '--hand-labels', str(tmp_path / 'hand.json'), '--fuse', 'AU6', str(run)],
                         capture_output=True, text=True, check=True).stdout
    assert '| fusion | 0.750 ± 0.000 | 0.750 |' in out
