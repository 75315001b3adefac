"""Out-of-fold fusion on the hand-labelled faces: each k-fold run's oof.json (the CNN's probabilities on crops it
never saw) fused with a mesh estimator's outputs on the same crops (a prepared dataset's labels.csv: the pseudo-
labels are that estimator's probabilities), p = w * cnn + (1 - w) * mesh on the fused AUs (`--fuse`, the pipeline's
classify.fusionAus) and the mesh's value on the others, as the pipeline's `fusion` estimator.

/usr/bin/python3 training/scripts/fusion_oof.py --mesh-labels DIR/labels.csv RUN [RUN ...]
"""
import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.aupipe_train.yardstick import auc_table, hand_label_matrix, load_hand_labels  # noqa: E402


def scores(run: str, mesh: dict, hand: dict, w: float, fuse: set) -> dict:
    oof = json.loads((Path(run) / 'oof.json').read_text())
    aus, rows = oof['aus'], [r for r in oof['rows'] if r['file'] in mesh]
    files = [r['file'] for r in rows]
    cnn = np.array([r['probs'] for r in rows])
    m = np.array([[mesh[f].get(a, np.nan) for a in aus] for f in files])
    h = hand_label_matrix(files, aus, hand)
    mix = np.array([a in fuse for a in aus])
    fused = np.where(mix, w * cnn + (1 - w) * m, m)
    return {name: auc_table(s, h, aus) for name, s in (('cnn', cnn), ('mesh', m), ('fusion', fused))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('runs', nargs='+')
    p.add_argument('--mesh-labels', required=True, help='labels.csv of a prepared dataset with the same crop files')
    p.add_argument('--weight', type=float, default=0.5, help='weight of the CNN (classify.fusionWeight)')
    p.add_argument('--fuse', default='AU12,AU25', help='AUs fused (classify.fusionAus); the mesh stands on the rest')
    p.add_argument('--hand-labels', default='test/fixtures/real-faces.json')
    a = p.parse_args(argv)
    mesh = {r['file']: {k: float(v) for k, v in r.items() if k.startswith('AU') and v != ''}
            for r in csv.DictReader(open(a.mesh_labels))}
    hand = load_hand_labels(a.hand_labels)
    fuse = {x.strip() for x in a.fuse.split(',')}
    per = [scores(r, mesh, hand, a.weight, fuse) for r in a.runs]
    aus = sorted({au for s in per for au in s['cnn']}, key=lambda x: int(x[2:]))
    print(f'| AUC (n={len(per)} runs) | ' + ' | '.join(f'{au} ({per[0]["cnn"][au]["positives"]}/{per[0]["cnn"][au]["negatives"]})'
                                                      for au in aus) + ' | mean |')
    print('|---|' + '---|' * (len(aus) + 1))
    for name in ('cnn', 'mesh', 'fusion'):
        cells = []
        for au in aus:
            v = [s[name][au]['auc'] for s in per if au in s[name]]
            cells.append(f'{np.mean(v):.3f} ± {np.std(v, ddof=1) if len(v) > 1 else 0:.3f}')
        means = [np.mean([s[name][au]['auc'] for au in aus if au in s[name]]) for s in per]
        print(f'| {name} | ' + ' | '.join(cells) + f' | {np.mean(means):.3f} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
