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
from .experiment import run_kfold, run_split, score
from .losses import LOSSES
from .models import BACKBONES, AuNet
from .train import TrainConfig


def _aus(value: str) -> list:
    return AUS8 if value == '8' else AUS12 if value == '12' else value.split(',')


def _train_args(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    p.add_argument('--data', required=True, help='prepared dataset folder (meta.json, crops/, labels.csv)')
    p.add_argument('--yardstick', help='prepared dataset of the hand-labelled real faces, scored after training')
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
    p.add_argument('--fold', type=int, default=0, help='test fold; -1 runs every fold (k-fold protocol)')
    p.add_argument('--out', required=True, help='run folder (checkpoints, run.json, metrics.json)')
    p.add_argument('--resume', action='store_true')


def _config(a) -> TrainConfig:
    return TrainConfig(
        backbone=a.backbone, width=a.width, size=a.size, pretrained=a.pretrained, loss=a.loss, epochs_head=a.epochs_head,
        epochs_ft=a.epochs_ft, unfreeze_blocks=a.unfreeze, lr_head=a.lr_head, lr_backbone=a.lr_backbone, batch_size=a.batch_size,
        bn=a.bn, patience=a.patience, seed=a.seed, augment=not a.no_augment, device=a.device, out=a.out, aug=AugConfig(),
    )


def cmd_train(a) -> int:
    cfg = _config(a)
    aus = _aus(a.aus)
    ds = load_dataset(a.data, aus, a.size)
    yard = load_dataset(a.yardstick, aus, a.size) if a.yardstick else None
    if a.fold < 0:
        res = run_kfold(cfg, ds, a.folds, yardstick=yard)
        print(json.dumps({k: v for k, v in res.items() if k != 'folds'}, indent=1))
        return 0
    res, model = run_split(cfg, ds, a.fold, a.folds, yardstick=yard, resume=a.resume)
    res['data'] = {'path': a.data, 'meta': ds.meta, 'size': len(ds)}
    Path(a.out, 'metrics.json').write_text(json.dumps(res, indent=1))
    brief = {'test_f1@0.5': res['test']['at_0.5']['mean_f1'], 'test_f1@tuned': res['test']['at_tuned']['mean_f1'],
             'test_auc': res['test']['at_0.5']['mean_auc']}
    if yard is not None:
        brief.update({'yardstick_auc': res['yardstick']['at_0.5']['mean_auc'], 'yardstick_f1@tuned': res['yardstick']['at_tuned']['mean_f1']})
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
    print(json.dumps(res if a.per_au else {k: {m: v[m] for m in ('mean_f1', 'mean_auc')} for k, v in res.items()}, indent=1))
    return 0


def cmd_export(a) -> int:
    from .export import write_bundle

    model, cfg, best, metrics = _load_run(a.run)
    data_meta = metrics.get('data', {}).get('meta', {})
    fix = load_dataset(a.fixture_data or metrics['data']['path'], best['aus'], cfg.size)
    n = min(a.fixture_count, len(fix))
    summary = {part: {at: {'mean_f1': metrics[part][at]['mean_f1'], 'mean_auc': metrics[part][at]['mean_auc'],
                           'per_au': {au: {k: v[k] for k in ('f1', 'auc', 'positives', 'n')} for au, v in metrics[part][at]['per_au'].items()}}
                      for at in ('at_0.5', 'at_tuned')} for part in ('test', 'yardstick') if part in metrics}
    card = write_bundle(
        model, a.out, name=a.name, size=cfg.size, aus=best['aus'], thresholds=metrics.get('thresholds', {}),
        alignment=data_meta.get('templateId', 'unknown'), training_data=a.training_data or json.dumps(data_meta)[:500],
        initial_weights=best.get('initialWeights', 'unknown'), loss=best['config']['loss'], metrics=summary,
        fixture_crops=fix.images[:n], fixture_files=fix.files[:n], bench=a.bench,
    )
    print(json.dumps({k: card[k] for k in ('name', 'backbone', 'params', 'mflops', 'onnx', 'ortBench')}, indent=1))
    return 0


def cmd_convert(a) -> int:
    blob = CONVERTERS[a.source](Path(a.model_dir)) if a.model_dir else CONVERTERS[a.source]()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(blob, a.out)
    n = sum(v.numel() for v in blob['backbone'].values())
    print(f'{a.source}: {len(blob["backbone"])} tensors, {n} values -> {a.out} (backbone {blob["backbone_name"]})')
    return 0


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
    x = sub.add_parser('export', help='ONNX + model.json + fixture.json, checked in ONNX Runtime')
    x.add_argument('--run', required=True)
    x.add_argument('--out', required=True)
    x.add_argument('--name', default='au-mobilenet')
    x.add_argument('--training-data', help='plain-words description for the card')
    x.add_argument('--fixture-data', help='dataset whose first crops go into fixture.json (default: the training data)')
    x.add_argument('--fixture-count', type=int, default=4)
    x.add_argument('--bench', type=int, default=16, help='ORT faces/s at this batch size (0 = skip)')
    c = sub.add_parser('convert', help='pretrained weights shipped in npm packages -> PyTorch backbone weights')
    c.add_argument('source', choices=sorted(CONVERTERS))
    c.add_argument('--out', required=True)
    c.add_argument('--model-dir', help='folder with the tfjs manifest (default: the npm package)')
    a = p.parse_args(argv)
    return {'train': cmd_train, 'eval': cmd_eval, 'export': cmd_export, 'convert': cmd_convert}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
