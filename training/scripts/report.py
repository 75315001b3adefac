"""Prints the README's result tables from training/runs/exp (run from the repo root with /usr/bin/python3)."""
import json
import sys
from pathlib import Path

import numpy as np

E = Path(sys.argv[1] if len(sys.argv) > 1 else 'training/runs/exp')


def load(name):
    p = E / name / 'metrics.json'
    return json.loads(p.read_text()) if p.exists() else None


def row(name, label):
    m = load(name)
    if not m:
        return f'| {label} | not run | | | | | |'
    p = m['pooled']
    y = p.get('yardstick', {})
    hand = ', '.join(f"{a} {v['auc']:.2f}" for a, v in y.items())
    return (f"| {label} | {p['at_0.5']['mean_f1']:.3f} | {p['at_tuned']['mean_f1']:.3f} | {p['at_0.5']['mean_auc']:.3f} | "
            f"{p.get('yardstick_mean_auc', float('nan')):.3f} ({hand}) | {m['seconds_per_epoch']:.1f} | {m['steps_to_95']} / {m['best_step']} |")


HEAD = ('| run | F1@0.5 | F1@tuned | AUC | hand-labelled AUC (per AU) | s/epoch | steps to 95% / best (per fold) |\n'
        '|---|---|---|---|---|---|---|')
print('### Two-stage runs (pooled out-of-fold, n=29 test faces)\n')
print(HEAD)
for name, label in [('fd-proposed-s0', 'face_dense, face-api init, proposed, aug'), ('fd-noaug-s0', 'same, augmentation off'),
                    ('fd-scratch-s0', 'face_dense, random init, proposed, aug'), ('mv1-proposed-s0', 'mobilenet_v1, face-api SSD init, proposed'),
                    ('mv2-scratch-s0', 'mobilenet_v2, random init, proposed'),
                    ('fd-top1-s0', 'face_dense, stage 2 unfreezes only the top unit (--unfreeze 1)'),
                    ('fd-onestage-s0', 'face_dense, one stage: all layers from the start (--epochs-head 0 --epochs-ft 7)'),
                    ('fd-bntrain-s0', 'face_dense, --bn train (no BN layers in this net: identical by construction)'),
                    ('mv1-bntrain-s0', 'mobilenet_v1, face-api SSD init, --bn train')]:
    print(row(name, label))
teacher = load('fd-proposed-s0')
if teacher:
    t = teacher['pooled']
    print(f"\nMesh teacher on the same hand-labelled faces: mean AUC {t['yardstick_teacher_mean_auc']:.3f} ("
          + ', '.join(f"{a} {v['teacher_auc']:.2f}" for a, v in t['yardstick'].items()) + ')')

print('\n### Losses, two-stage, 3 seeds (mean ± std)\n')
print('| loss | F1@0.5 | F1@tuned | AUC | hand AUC | AU12 F1@tuned | AU25 F1@tuned | AU26 F1@tuned | AU5 F1@tuned |\n|---|---|---|---|---|---|---|---|---|')
for loss in ('bce', 'proposed'):
    ms = [load(f'fd-{loss}-s{s}') for s in range(3)]
    ms = [m for m in ms if m]
    if not ms:
        continue
    f = lambda g: f'{np.mean([g(m) for m in ms]):.3f} ± {np.std([g(m) for m in ms]):.3f}'  # noqa: E731
    au = lambda a: f(lambda m: m['pooled']['at_tuned']['per_au'][a]['f1'])  # noqa: E731
    print(f"| {loss} (n={len(ms)}) | {f(lambda m: m['pooled']['at_0.5']['mean_f1'])} | {f(lambda m: m['pooled']['at_tuned']['mean_f1'])} | "
          f"{f(lambda m: m['pooled']['at_0.5']['mean_auc'])} | {f(lambda m: m['pooled']['yardstick_mean_auc'])} | {au('AU12')} | {au('AU25')} | {au('AU26')} | {au('AU5')} |")

for probe, title in (('probe-backbones.json', 'Frozen-feature probe: backbone × initialisation (BCE, 3 seeds)'),
                     ('probe-losses.json', 'Frozen-feature probe: losses (face_dense, face-api init, 3 seeds)')):
    p = E / probe
    if not p.exists():
        continue
    r = json.loads(p.read_text())
    print(f'\n### {title}\n')
    print(f"| backbone | init | loss | params | MFLOPs | F1@tuned | AUC | hand AUC | rare-AU F1@tuned ({', '.join(r['rare'])}) |\n|---|---|---|---|---|---|---|---|---|")
    for x in r['runs']:
        init = 'random' if x['initialWeights'] == 'random initialisation' else 'pretrained'
        rare = ', '.join(f"{np.mean([s['rare_f1@tuned'][a] for s in x['seeds']]):.2f}" for a in r['rare'])
        print(f"| {x['backbone']} | {init} | {x['loss']} | {x['params'] / 1e6:.2f} M | {x['mflops']} | {x['f1@tuned'][0]:.3f} ± {x['f1@tuned'][1]:.3f} | "
              f"{x['auc'][0]:.3f} ± {x['auc'][1]:.3f} | {x['hand_auc'][0]:.3f} ± {x['hand_auc'][1]:.3f} | {rare} |")

b = E / 'bench.json'
if b.exists():
    print('\n### Cost per backbone (112², batch 16, onnxruntime-node 2 threads; one AdamW step in PyTorch)\n')
    print('| backbone | params | MFLOPs | ORT faces/s | train step (s, batch 16) |\n|---|---|---|---|---|')
    for x in json.loads(b.read_text()):
        print(f"| {x['backbone']} | {x['params'] / 1e6:.2f} M | {x['mflops']} | {x['ort_faces_per_s']} | {x['train_step_s']} |")
