"""Command line: python3 -m training convert|train|eval|export|bench ..."""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

from . import AUS8, AUS12
from .augment import AugConfig
from .convert import CONVERTERS
from .data import load_dataset
from .experiment import pooled, run_kfold, run_split, score, yardstick_scores
from .metrics import tune_thresholds
from .train import predict, train
from .yardstick import load_hand_labels
from .losses import LOSSES
from .models import BACKBONES, AuNet
from .train import TrainConfig


def _aus(value: str) -> list:
    return AUS8 if value == '8' else AUS12 if value == '12' else value.split(',')


def _train_args(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    p.add_argument('--data', required=True, help='prepared dataset folder (meta.json, crops/, labels.csv)')
    p.add_argument('--hand-labels', default='test/fixtures/real-faces.json', help='hand-labelled real faces (scored out of fold)')
    p.add_argument('--train-only', help='comma list of subjects kept out of the test folds (e.g. an unidentified group)')
    p.add_argument('--final', action='store_true', help='train on all faces (minus a validation share) for shipping')
    p.add_argument('--aus', default='12', help="'12', '8' (DISFA subset) or a comma list")
    p.add_argument('--backbone', choices=BACKBONES, default=d.backbone)
    p.add_argument('--width', type=float, default=d.width, help='width multiplier (MobileNets)')
    p.add_argument('--size', type=int, default=d.size, help='input size in pixels (crops are resized if needed)')
    p.add_argument('--pretrained', help='converted weights (python3 -m training convert) or a torchvision state dict')
    p.add_argument('--loss', choices=LOSSES, default=d.loss)
    p.add_argument('--epochs-head', type=int, default=d.epochs_head, help='stage 1: head on the frozen backbone')
    p.add_argument('--epochs-ft', type=int, default=d.epochs_ft, help='stage 2: fine-tuning')
    p.add_argument('--unfreeze', type=int, default=d.unfreeze_blocks, help='stage 2 unfreezes the top N backbone units (-1 all)')
    p.add_argument('--lr-head', type=float, default=d.lr_head)
    p.add_argument('--lr-backbone', type=float, default=d.lr_backbone)
    p.add_argument('--batch-size', type=int, default=d.batch_size)
    p.add_argument('--bn', choices=['frozen', 'train'], default=d.bn)
    p.add_argument('--patience', type=int, default=d.patience)
    p.add_argument('--seed', type=int, default=d.seed)
    p.add_argument('--no-augment', action='store_true')
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    p.add_argument('--folds', type=int, default=3, help='subject-independent folds')
    p.add_argument('--fold', type=int, default=-1, help='test fold; -1 runs every fold (k-fold protocol)')
    p.add_argument('--out', required=True, help='run folder (checkpoints, run.json, metrics.json)')
    p.add_argument('--resume', action='store_true')


def _config(a) -> TrainConfig:
    return TrainConfig(
        backbone=a.backbone, width=a.width, size=a.size, pretrained=a.pretrained, loss=a.loss, epochs_head=a.epochs_head,
        epochs_ft=a.epochs_ft, unfreeze_blocks=a.unfreeze, lr_head=a.lr_head, lr_backbone=a.lr_backbone, batch_size=a.batch_size,
        bn=a.bn, patience=a.patience, seed=a.seed, augment=not a.no_augment, device=a.device, out=a.out, aug=AugConfig(),
    )


def _final_split(ds, train_only: list, seed: int) -> tuple:
    """All faces train except a validation share (for early stopping and thresholds): 25% of the train-only
    subjects' faces when there are any, else 20% of the subjects."""
    import random

    anchors = [i for i, s in enumerate(ds.subjects) if s in set(train_only)]
    if anchors:
        random.Random(seed).shuffle(anchors)
        val = anchors[: max(1, len(anchors) // 4)]
    else:
        subjects = sorted(set(ds.subjects))
        random.Random(seed).shuffle(subjects)
        held = set(subjects[: max(1, len(subjects) // 5)])
        val = [i for i, s in enumerate(ds.subjects) if s in held]
    train = [i for i in range(len(ds)) if i not in set(val)]
    return train, val


def cmd_train(a) -> int:
    cfg = _config(a)
    aus = _aus(a.aus)
    ds = load_dataset(a.data, aus, a.size)
    hand = load_hand_labels(a.hand_labels) if a.hand_labels and Path(a.hand_labels).exists() else None
    train_only = a.train_only.split(',') if a.train_only else []
    Path(a.out).mkdir(parents=True, exist_ok=True)
    if a.final:
        tr, va = _final_split(ds, train_only, a.seed)
        model, log = train(cfg, ds.subset(tr), ds.subset(va), resume=a.resume)
        val = ds.subset(va)
        res = {'thresholds': tune_thresholds(predict(model, val, cfg), val.labels.numpy(), ds.aus), 'sizes': {'train': len(tr), 'val': len(va)},
               'epochs': log['epochs'], 'final': True}
    elif a.fold < 0:
        res = run_kfold(cfg, ds, a.folds, hand=hand, train_only=train_only)
    else:
        r, _ = run_split(cfg, ds, a.fold, a.folds, resume=a.resume, train_only=train_only)
        res = {**r, 'pooled': pooled(ds, [r], hand)}
    res['data'] = {'path': a.data, 'meta': ds.meta, 'size': len(ds)}
    Path(a.out, 'metrics.json').write_text(json.dumps(res, indent=1, default=str))
    if 'pooled' in res:
        p = res['pooled']
        brief = {'test_f1@0.5': p['at_0.5']['mean_f1'], 'test_f1@tuned': p['at_tuned']['mean_f1'], 'test_auc': p['at_0.5']['mean_auc']}
        if 'yardstick' in p:
            brief.update({'yardstick_auc': p['yardstick_mean_auc'], 'teacher_auc': p['yardstick_teacher_mean_auc'],
                          'yardstick': {au: round(v['auc'], 3) for au, v in p['yardstick'].items()}})
        print(json.dumps(brief, indent=1))
    return 0


def _load_run(run: str) -> tuple:
    best = torch.load(Path(run) / 'best.pt', map_location='cpu')
    c = best['config']
    model = AuNet(c['backbone'], len(best['aus']), c['width'], c['dropout'])
    model.load_state_dict(best['model'])
    cfg = TrainConfig(backbone=c['backbone'], width=c['width'], size=c['size'], device='cpu')
    metrics = json.loads((Path(run) / 'metrics.json').read_text()) if (Path(run) / 'metrics.json').exists() else {}
    return model.eval(), cfg, best, metrics


def cmd_eval(a) -> int:
    model, cfg, best, metrics = _load_run(a.run)
    ds = load_dataset(a.data, best['aus'], cfg.size)
    res = score(model, ds, cfg, metrics.get('thresholds', {}))
    out = res if a.per_au else {k: {m: v[m] for m in ('mean_f1', 'mean_auc')} for k, v in res.items()}
    if a.hand_labels and Path(a.hand_labels).exists():
        from .yardstick import auc_table, hand_label_matrix

        h = hand_label_matrix(ds.files, ds.aus, load_hand_labels(a.hand_labels))
        out['hand_labelled_auc'] = auc_table(predict(model, ds, cfg), h, ds.aus)
        out['note'] = 'faces seen in training (even with pseudo-labels) inflate these; use train --fold -1 for out-of-fold scores'
    print(json.dumps(out, indent=1))
    return 0


def _card_metrics(metrics: dict) -> dict:
    p = metrics.get('pooled')
    if not p:
        return {}
    brief = lambda r: {'mean_f1': r['mean_f1'], 'mean_auc': r['mean_auc'],  # noqa: E731
                       'per_au': {au: {k: v[k] for k in ('f1', 'auc', 'positives', 'n')} for au, v in r['per_au'].items()}}
    out = {'protocol': f"{metrics.get('k', 1)}-fold subject-independent, pooled out-of-fold predictions (n={p['n']}) vs pseudo-labels",
           'pseudoLabels_at_0.5': brief(p['at_0.5']), 'pseudoLabels_at_tuned': brief(p['at_tuned'])}
    if 'yardstick' in p:
        out['handLabelled'] = {'description': 'AUC on the hand-labelled real faces (out of fold), beside the mesh teacher',
                               'mean_auc': p['yardstick_mean_auc'], 'teacher_mean_auc': p['yardstick_teacher_mean_auc'], 'per_au': p['yardstick']}
    return out


def cmd_export(a) -> int:
    from .export import write_bundle

    model, cfg, best, metrics = _load_run(a.run)
    data_meta = metrics.get('data', {}).get('meta', {})
    fix = load_dataset(a.fixture_data or metrics['data']['path'], best['aus'], cfg.size)
    n = min(a.fixture_count, len(fix))
    evald = json.loads(Path(a.metrics).read_text()) if a.metrics else metrics
    card = write_bundle(
        model, a.out, name=a.name, size=cfg.size, aus=best['aus'], thresholds=metrics.get('thresholds', {}),
        alignment=data_meta.get('templateId', 'unknown'),
        training_data={'description': a.training_data or '', 'dataset': metrics.get('data', {}).get('path'),
                       'faces': metrics.get('data', {}).get('size'), 'split': metrics.get('sizes'), 'labels': data_meta.get('source'),
                       'createdWith': data_meta.get('createdWith')},
        initial_weights=best.get('initialWeights', 'unknown'), loss=a.loss_text or best['config']['loss'], metrics=_card_metrics(evald),
        fixture_crops=fix.images[:n], fixture_files=fix.files[:n], bench=a.bench,
        extra={'limitations': a.limitations or '', 'training': {k: best['config'][k] for k in ('epochs_head', 'epochs_ft', 'unfreeze_blocks', 'lr_head', 'lr_backbone',
                                                          'batch_size', 'bn', 'augment', 'seed', 'width')}},
    )
    print(json.dumps({k: card[k] for k in ('name', 'backbone', 'params', 'mflops', 'onnx', 'ortBench')}, indent=1))
    return 0


def cmd_probe(a) -> int:
    from .probe import extract, mean_std, probe_kfold, summarise, write

    aus = _aus(a.aus)
    ds = load_dataset(a.data, aus, a.size)
    hand = load_hand_labels(a.hand_labels) if Path(a.hand_labels).exists() else None
    train_only = a.train_only.split(',') if a.train_only else []
    rates = ds.base_rates()
    rare = [aus[j] for j in np.argsort(rates.numpy())[:4]]
    report = {'data': a.data, 'n': len(ds), 'k': a.folds, 'train_only': train_only, 'rare': rare, 'runs': []}
    for spec in a.backbones.split(','):
        backbone, _, weights = spec.partition(':')
        feats, info = extract(backbone, weights or None, ds)
        for loss in a.losses.split(','):
            per_seed = [summarise(probe_kfold(feats, ds, loss, s, a.folds, train_only, hand), rare) for s in map(int, a.seeds.split(','))]
            row = {**info, 'loss': loss, 'seeds': per_seed}
            for key in ('f1@0.5', 'f1@tuned', 'auc', 'hand_auc'):
                if key in per_seed[0]:
                    row[key] = mean_std([r[key] for r in per_seed])
            report['runs'].append(row)
            print(f"{backbone:14s} {('pretrained' if weights else 'random'):10s} {loss:9s} F1@tuned {row['f1@tuned'][0]:.3f}+-{row['f1@tuned'][1]:.3f}"
                  f" AUC {row['auc'][0]:.3f} hand AUC {row.get('hand_auc', (float('nan'),))[0]:.3f}", flush=True)
    write(a.out, report)
    return 0


def cmd_bench(a) -> int:
    """Per backbone: params, MFLOPs, ONNX Runtime faces/s (onnxruntime-node, CPU) and one training step's time."""
    import tempfile
    import time

    from .export import export_onnx
    from .models import count_mflops, count_params
    from .ort import run_ort

    rows = []
    for b in a.backbones.split(','):
        model = AuNet(b, 12).eval()
        x = torch.rand(a.batch, 3, a.size, a.size)
        with tempfile.TemporaryDirectory() as tmp:
            export_onnx(model, a.size, Path(tmp) / 'm.onnx')
            rep = run_ort(str(Path(tmp) / 'm.onnx'), x[:4].numpy(), bench=a.batch, threads=a.threads)
        model.train()
        opt = torch.optim.AdamW(model.parameters())
        times = []
        for _ in range(3):
            t0 = time.time()
            loss = model(x).sigmoid().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.time() - t0)
        row = {'backbone': b, 'size': a.size, 'params': count_params(model), 'mflops': round(count_mflops(model, a.size), 1),
               'ort_faces_per_s': round(rep['bench']['facesPerSecond'], 1), 'ort_batch': a.batch, 'ort_threads': a.threads,
               'train_step_s': round(min(times), 3), 'train_batch': a.batch}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(rows, indent=1))
    return 0


def cmd_convert(a) -> int:
    blob = CONVERTERS[a.source](Path(a.model_dir)) if a.model_dir else CONVERTERS[a.source]()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(blob, a.out)
    n = sum(v.numel() for v in blob['backbone'].values())
    print(f'{a.source}: {len(blob["backbone"])} tensors, {n} values -> {a.out} (backbone {blob["backbone_name"]})')
    return 0


def cmd_rescore(a) -> int:
    """Re-scores a k-fold run's out-of-fold predictions (oof.json) on the current hand labels, in its metrics.json."""
    import datetime

    run = Path(a.run)
    metrics = json.loads((run / 'metrics.json').read_text())
    oof = json.loads((run / 'oof.json').read_text())
    data = a.data or metrics.get('data', {}).get('path')
    if not data or not (Path(data) / 'labels.csv').exists():
        raise SystemExit(f'rescore: no dataset with labels.csv at {data!r}; pass --data (the run\'s training data)')
    ds = load_dataset(data, oof['aus'])
    teacher = {f: ds.labels[i].numpy() for i, f in enumerate(ds.files)}
    rows = [r for r in oof['rows'] if r['file'] in teacher]
    if len(rows) != len(oof['rows']):
        raise SystemExit(f'rescore: {len(oof["rows"]) - len(rows)} out-of-fold crops are not in {data}/labels.csv')
    files = [r['file'] for r in rows]
    scores = yardstick_scores(files, np.array([r['probs'] for r in rows]), np.stack([teacher[f] for f in files]),
                              oof['aus'], load_hand_labels(a.hand_labels))
    metrics['pooled'].update(scores)
    metrics['pooled']['handLabels'] = {'file': a.hand_labels, 'rescored': datetime.date.today().isoformat()}
    (run / 'metrics.json').write_text(json.dumps(metrics, indent=1, default=str))
    per = ', '.join(f"{au} {v['auc']:.2f} (teacher {v['teacher_auc']:.2f})" for au, v in scores['yardstick'].items())
    print(f"{run}: hand-labelled AUC out of fold {scores['yardstick_mean_auc']:.3f} "
          f"(teacher {scores['yardstick_teacher_mean_auc']:.3f}): {per}")
    return 0


def cmd_face_api_net(a) -> int:
    from .face_api_nets import export_face_api_net
    out = a.out or FACE_API_NET_DIRS[a.kind]
    card = export_face_api_net(a.kind, out, Path(a.model_dir) if a.model_dir else None)
    print(f"{card['name']} -> {out}/model.onnx (face-api vs PyTorch {card['onnx']['faceApiMaxAbsDiff']:.2g}, "
          f"ORT vs PyTorch {card['onnx']['ortMaxAbsDiff']:.2g})")
    return 0


def cmd_face_api_ssd(a) -> int:
    from .face_api_ssd import export_face_api_ssd
    card = export_face_api_ssd(a.out, Path(a.model_dir) if a.model_dir else None)
    print(f"{card['name']} -> {a.out} (ORT vs PyTorch {card['onnx']['ortMaxAbsDiffVsPyTorch']:.2g})")
    return 0


# Where the pipeline looks for each face-api crop net by default (classify.lipModel, classify.expressionModel).
FACE_API_NET_DIRS = {'landmarks68': 'models/face-landmarks68', 'expressions': 'models/face-expression'}


def main(argv=None) -> int:
    torch.set_num_threads(int(os.environ.get('AUPIPE_THREADS', os.cpu_count() or 1)))
    p = argparse.ArgumentParser(prog='python3 -m training', description='aupipe AU trainer')
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train', help='two-stage transfer learning on a prepared dataset')
    _train_args(t)
    e = sub.add_parser('eval', help='score a run on a prepared dataset (at 0.5 and at the tuned thresholds)')
    e.add_argument('--run', required=True)
    e.add_argument('--data', required=True)
    e.add_argument('--per-au', action='store_true')
    e.add_argument('--hand-labels', default='test/fixtures/real-faces.json')
    x = sub.add_parser('export', help='ONNX + model.json + fixture.json, checked in ONNX Runtime')
    x.add_argument('--run', required=True)
    x.add_argument('--out', required=True)
    x.add_argument('--name', default='au-mobilenet')
    x.add_argument('--training-data', help='plain-words description for the card')
    x.add_argument('--metrics', help='k-fold metrics.json whose pooled scores go into the card (default: the run\'s own)')
    x.add_argument('--loss-text', help='plain-words loss description for the card')
    x.add_argument('--limitations', help='plain-words limitations for the card')
    x.add_argument('--fixture-data', help='dataset whose first crops go into fixture.json (default: the training data)')
    x.add_argument('--fixture-count', type=int, default=4)
    x.add_argument('--bench', type=int, default=16, help='ORT faces/s at this batch size (0 = skip)')
    c = sub.add_parser('convert', help='pretrained weights shipped in npm packages -> PyTorch backbone weights')
    c.add_argument('source', choices=sorted(CONVERTERS))
    c.add_argument('--out', required=True)
    c.add_argument('--model-dir', help='folder with the tfjs manifest (default: the npm package)')
    q = sub.add_parser('probe', help='cheap grid on cached frozen-backbone features: backbones/initialisations x losses x seeds')
    q.add_argument('--data', required=True)
    q.add_argument('--aus', default='12')
    q.add_argument('--size', type=int, default=112)
    q.add_argument('--backbones', default='face_dense', help='comma list of backbone[:weights]')
    q.add_argument('--losses', default='bce')
    q.add_argument('--seeds', default='0,1,2')
    q.add_argument('--folds', type=int, default=3)
    q.add_argument('--train-only')
    q.add_argument('--hand-labels', default='test/fixtures/real-faces.json')
    q.add_argument('--out', required=True)
    rs = sub.add_parser('rescore', help="re-score a k-fold run's out-of-fold predictions on the current hand labels")
    rs.add_argument('--run', required=True, help='a run trained with --fold -1 (it has oof.json and metrics.json)')
    rs.add_argument('--data', help="the run's training data (default: the path in its metrics.json)")
    rs.add_argument('--hand-labels', default='test/fixtures/real-faces.json')
    fn = sub.add_parser('face-api-net', help="face-api's 68-point landmark net or its expression net -> ONNX + "
                        "model.json for the mesh estimator")
    fn.add_argument('kind', choices=sorted(FACE_API_NET_DIRS))
    fn.add_argument('--out', help='output folder (default: models/face-landmarks68 or models/face-expression)')
    fn.add_argument('--model-dir', help='folder with the tfjs manifest (default: the npm package)')
    fs = sub.add_parser('face-api-ssd', help="face-api's SSD-MobileNetV1 face detector -> ONNX + card for the "
                        "detect stage")
    fs.add_argument('--out', default='models/detect/ssd-mobilenetv1.onnx')
    fs.add_argument('--model-dir', help='folder with the tfjs manifest (default: the npm package)')
    bn = sub.add_parser('bench', help='params, MFLOPs, ORT faces/s and training-step time per backbone')
    bn.add_argument('--backbones', default='face_dense,mobilenet_v1,mobilenet_v2,densenet121')
    bn.add_argument('--size', type=int, default=112)
    bn.add_argument('--batch', type=int, default=16)
    bn.add_argument('--threads', type=int, default=2)
    bn.add_argument('--out')
    from .teacher.cli import add_parser as add_teacher_parser

    add_teacher_parser(sub)
    from .student import add_parser as add_student_parser

    add_student_parser(sub)
    a = p.parse_args(argv)
    if a.cmd in ('teacher', 'student'):
        return a.func(a)
    return {'train': cmd_train, 'eval': cmd_eval, 'export': cmd_export, 'convert': cmd_convert, 'probe': cmd_probe, 'bench': cmd_bench, 'face-api-net': cmd_face_api_net, 'face-api-ssd': cmd_face_api_ssd,
            'rescore': cmd_rescore}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
