"""Prints the README's result tables from training/runs/exp (run from the repo root with /usr/bin/python3).

Usage: /usr/bin/python3 training/scripts/report.py [EXP_DIR]

Every two-stage setting runs once per seed (`<name>-s0`, `-s1`, `-s2`); the tables give mean ± sample std (ddof 1)
over the seeds that finished, with n. Paired differences (same seed, same folds) are given against the shipped
setting `fd-proposed` (face_dense, face-api init, proposed loss, augmentation on).
"""
import json
import sys
from pathlib import Path

import numpy as np

E = Path(sys.argv[1] if len(sys.argv) > 1 else 'training/runs/exp')
SEEDS = range(10)
HAND_AUS = ('AU6', 'AU12', 'AU25', 'AU26')
SHIPPED = 'fd-proposed'

# setting -> (label, backbone, init)
SETTINGS = {
    'fd-proposed': ('face_dense, face-api init, proposed, aug (two-stage reference)', 'face_dense', 'face-api expression net'),
    'fd-bce': ('face_dense, face-api init, BCE, aug', 'face_dense', 'face-api expression net'),
    'fd-noaug': ('face_dense, face-api init, proposed, augmentation off', 'face_dense', 'face-api expression net'),
    'fd-scratch': ('face_dense, random init, proposed, aug', 'face_dense', 'random'),
    'mv1-proposed': ('mobilenet_v1, face-api SSD init, proposed, aug', 'mobilenet_v1', 'face-api SSD detector'),
    'mv2-scratch': ('mobilenet_v2, random init, proposed, aug', 'mobilenet_v2', 'random'),
    'mv2tf-nsfwjs': ('mobilenet_v2_tf, nsfwjs init, proposed, aug', 'mobilenet_v2_tf', 'nsfwjs MobileNetV2 (ImageNet → NSFW classes)'),
    'mv2tf-scratch': ('mobilenet_v2_tf, random init, proposed, aug', 'mobilenet_v2_tf', 'random'),
    'mv2tf-nsfwjs224': ('mobilenet_v2_tf, nsfwjs init, 224² input (upsampled), proposed, aug', 'mobilenet_v2_tf', 'nsfwjs MobileNetV2 (ImageNet → NSFW classes)'),
    'dn121-scratch': ('densenet121, random init, proposed, aug', 'densenet121', 'random'),
    'fd-top1': ('face_dense, stage 2 unfreezes only the top unit (--unfreeze 1)', 'face_dense', 'face-api expression net'),
    'fd-onestage': ('face_dense, one stage (--epochs-head 0 --epochs-ft 7)', 'face_dense', 'face-api expression net'),
    'fd-bntrain': ('face_dense, --bn train (no BN layers: identical by construction)', 'face_dense', 'face-api expression net'),
    'fd-headonly': ('face_dense, stage 1 only (head on the frozen backbone, 7 epochs, --epochs-ft 0)', 'face_dense', 'face-api expression net'),
    'fd-aug2': ('face_dense, + 2 re-detected augmented variants per face in the data (--augment 2)', 'face_dense', 'face-api expression net'),
    'fd-warps': ('face_dense, + 2 mesh-warped variants per face in the data (--warps 2)', 'face_dense', 'face-api expression net'),
    'fd-warps-headonly': ('face_dense, --warps 2 data, stage 1 only (7 epochs)', 'face_dense', 'face-api expression net'),
    'fd-augwarps-headonly': ('face_dense, --augment 2 --warps 2 data, stage 1 only (7 epochs): shipped', 'face_dense', 'face-api expression net'),
    'fd-augwarps-lips68-headonly': ('the same, labelled by the estimator with its 68-point lip net (--labeller mesh)', 'face_dense', 'face-api expression net'),
    'mv1-bntrain': ('mobilenet_v1, face-api SSD init, --bn train', 'mobilenet_v1', 'face-api SSD detector'),
}


def load(name):
    p = E / name / 'metrics.json'
    return json.loads(p.read_text()) if p.exists() else None


def runs(setting):
    """{seed: metrics} of the finished runs of one setting."""
    return {s: m for s in SEEDS if (m := load(f'{setting}-s{s}'))}


def ms(values, digits=3):
    v = [x for x in values if x is not None and not np.isnan(x)]
    if not v:
        return '–'
    if len(v) == 1:
        return f'{v[0]:.{digits}f}'
    return f'{np.mean(v):.{digits}f} ± {np.std(v, ddof=1):.{digits}f}'


# extractors on one run's metrics.json
F1_05 = lambda m: m['pooled']['at_0.5']['mean_f1']  # noqa: E731
F1_T = lambda m: m['pooled']['at_tuned']['mean_f1']  # noqa: E731
AUC = lambda m: m['pooled']['at_0.5']['mean_auc']  # noqa: E731
HAND = lambda m: m['pooled'].get('yardstick_mean_auc', float('nan'))  # noqa: E731


def hand_au(au):
    return lambda m: m['pooled'].get('yardstick', {}).get(au, {}).get('auc', float('nan'))


def au_f1(au):
    return lambda m: m['pooled']['at_tuned']['per_au'][au]['f1']


def au_auc(au):
    return lambda m: m['pooled']['at_0.5']['per_au'][au]['auc']


def col(rs, f, digits=3):
    return ms([f(m) for m in rs.values()], digits)


def steps(rs, key):
    """Mean over seeds and folds of a per-fold step count (None = never reached)."""
    v = [s for m in rs.values() for s in m[key] if s is not None]
    return f'{np.mean(v):.0f}' if v else '–'


def paired(rs, ref, f):
    """Mean ± std over the seeds both settings ran of f(run) − f(reference run)."""
    d = [f(rs[s]) - f(ref[s]) for s in rs if s in ref]
    if not d:
        return '–'
    return f'{np.mean(d):+.3f} ± {np.std(d, ddof=1):.3f} (n={len(d)})' if len(d) > 1 else f'{d[0]:+.3f} (n=1)'


def costs():
    b = E / 'bench.json'
    return {x['backbone']: x for x in json.loads(b.read_text())} if b.exists() else {}


def size_of(backbone, bench):
    if backbone in bench:
        return bench[backbone]['params'], bench[backbone]['mflops']
    try:  # no bench.json: count here (cheap)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from training.aupipe_train.models import AuNet, count_mflops, count_params

        model = AuNet(backbone, 12)
        return count_params(model), round(count_mflops(model, 112), 1)
    except Exception:  # noqa: BLE001
        return None, None


def main_table(title, settings, bench, extra_cols=()):
    print(f'\n### {title}\n')
    head = ['setting', 'n', 'F1@0.5', 'F1@tuned', 'AUC (pseudo)', 'hand AUC', *[f'hand {a}' for a in HAND_AUS],
            'hand AUC − reference (paired)', *[c for c, _ in extra_cols]]
    print('| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head))
    ref = runs(SHIPPED)
    for s in settings:
        rs = runs(s)
        label = SETTINGS[s][0]
        if not rs:
            print(f'| {label} | 0 | not run |' + ' |' * (len(head) - 3))
            continue
        cells = [label, str(len(rs)), col(rs, F1_05), col(rs, F1_T), col(rs, AUC), col(rs, HAND),
                 *[col(rs, hand_au(a), 2) for a in HAND_AUS], '—' if s == SHIPPED else paired(rs, ref, HAND),
                 *[f(s, rs, bench) for _, f in extra_cols]]
        print('| ' + ' | '.join(cells) + ' |')


def backbone_cols():
    def params(s, rs, bench):
        p, _ = size_of(SETTINGS[s][1], bench)
        return f'{p / 1e6:.2f} M' if p else '–'

    def mflops(s, rs, bench):
        _, f = size_of(SETTINGS[s][1], bench)
        return f'{f}' if f else '–'

    def spe(s, rs, bench):
        return col(rs, lambda m: m['seconds_per_epoch'], 1)

    def ort(s, rs, bench):
        b = bench.get(SETTINGS[s][1])
        return f"{b['ort_faces_per_s']}" if b else '–'

    return [('params', params), ('MFLOPs', mflops), ('s/epoch in sweep (shared CPUs)', spe), ('ORT faces/s', ort)]


def step_cols():
    return [('steps to 95% of best val F1', lambda s, rs, b: steps(rs, 'steps_to_95')),
            ('step of best val F1', lambda s, rs, b: steps(rs, 'best_step')),
            ('steps trained (fold mean)', lambda s, rs, b: f"{np.mean([f['epochs'][-1]['step'] for m in rs.values() for f in m['folds']]):.0f}")]


def main():
    bench = costs()
    ref = runs(SHIPPED)
    print(f'Runs in {E}: pooled out-of-fold over 3 subject-independent folds; mean ± sample std over seeds (n).')
    if ref:
        t = next(iter(ref.values()))['pooled']
        print(f"Pooled test faces: {t['n']}. Mesh teacher on the same hand-labelled faces: mean AUC {t['yardstick_teacher_mean_auc']:.3f} ("
              + ', '.join(f"{a} {v['teacher_auc']:.2f} ({v['positives']}+/{v['negatives']}−)" for a, v in t['yardstick'].items()) + ')')

    main_table('(1) Backbones (two-stage, proposed loss, augmentation on)',
               ['fd-proposed', 'mv1-proposed', 'mv2-scratch', 'mv2tf-nsfwjs', 'dn121-scratch'], bench, backbone_cols())
    main_table('(2) Transfer vs scratch', ['fd-proposed', 'fd-scratch', 'mv2-scratch', 'mv2tf-scratch', 'mv2tf-nsfwjs', 'mv2tf-nsfwjs224'], bench, step_cols())
    main_table('(3) Losses (face_dense, face-api init, augmentation on)', ['fd-proposed', 'fd-bce'], bench)
    main_table('(4) Augmentation (face_dense, face-api init, proposed loss)', ['fd-proposed', 'fd-noaug'], bench)
    if any(runs(s) for s in ('fd-top1', 'fd-onestage', 'fd-bntrain', 'mv1-bntrain', 'fd-headonly')):
        main_table('Schedule', ['fd-proposed', 'fd-top1', 'fd-onestage', 'fd-headonly', 'fd-bntrain', 'mv1-bntrain'], bench)
    if any(runs(s) for s in ('fd-aug2', 'fd-warps', 'fd-warps-headonly', 'fd-augwarps-headonly')):
        main_table('(5) Data: re-detected variants per face (3x the samples, 5x with both; same faces and folds; base crops only are scored)',
                   ['fd-proposed', 'fd-aug2', 'fd-warps', 'fd-headonly', 'fd-warps-headonly', 'fd-augwarps-headonly',
                    'fd-augwarps-lips68-headonly'], bench)

    # per-AU F1 for the losses: every AU with a positive pseudo-label among the pooled test faces, rarest first
    rb, rp = runs('fd-bce'), runs('fd-proposed')
    if rb and rp:
        per = next(iter(rp.values()))['pooled']['at_tuned']['per_au']
        aus = sorted((a for a in per if per[a]['positives'] > 0), key=lambda a: per[a]['positives'])
        none = [a for a in per if per[a]['positives'] == 0]
        print('\n### (3) Losses per AU: F1@tuned vs pseudo-labels (pooled test faces; positives in brackets), rarest first\n')
        print('| loss | ' + ' | '.join(f"{a} ({per[a]['positives']})" for a in aus) + ' |\n|' + '---|' * (len(aus) + 1))
        for name, rs in (('bce', rb), ('proposed', rp)):
            print(f'| {name} (n={len(rs)}) | ' + ' | '.join(col(rs, au_f1(a), 2) for a in aus) + ' |')
        print('| proposed − bce (paired) | ' + ' | '.join(paired(rp, rb, au_f1(a)).split(' (n=')[0] for a in aus) + ' |')
        for name, rs in (('AUC (pseudo) bce', rb), ('AUC (pseudo) proposed', rp)):
            print(f'| {name} | ' + ' | '.join(col(rs, au_auc(a), 2) for a in aus) + ' |')
        print(f"\nNo positive pseudo-label among the pooled test faces (F1 undefined, left out of mean F1): {', '.join(none) or 'none'}")
        print('\nproposed − bce, paired by seed: '
              + '; '.join(f'{k} {paired(rp, rb, f)}' for k, f in (('F1@0.5', F1_05), ('F1@tuned', F1_T), ('AUC', AUC), ('hand AUC', HAND))))

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

    timing = [(b, json.loads((E / f'time-{b}' / 'run.json').read_text())) for b in ('face_dense', 'mobilenet_v1', 'mobilenet_v2', 'mobilenet_v2_tf', 'densenet121')
              if (E / f'time-{b}' / 'run.json').exists()]
    if timing:
        print('\n### Seconds per epoch, backbones back to back (fold 0, augmentation on, batch 16, 2 threads, incl. validation)\n')
        print('| backbone | train faces | steps/epoch | stage 1 (head) s/epoch | stage 2 (fine-tuning) s/epoch |\n|---|---|---|---|---|')
        for b, r in timing:
            head = [e['seconds'] for e in r['epochs'] if e['stage'] == 'head']
            ft = [e['seconds'] for e in r['epochs'] if e['stage'] == 'finetune']
            print(f"| {b} | {r['train_size']} | {r['train_size'] // r['config']['batch_size']} | {ms(head, 1)} | {ms(ft, 1)} |")

    if bench:
        print('\n### Cost per backbone (112², batch 16, onnxruntime-node 2 threads; one AdamW step in PyTorch)\n')
        print('| backbone | params | MFLOPs | ORT faces/s | train step (s, batch 16) |\n|---|---|---|---|---|')
        for x in bench.values():
            print(f"| {x['backbone']} | {x['params'] / 1e6:.2f} M | {x['mflops']} | {x['ort_faces_per_s']} | {x['train_step_s']} |")


if __name__ == '__main__':
    main()
