"""The mesh student: a small MLP over the mesh estimator's per-face features (`aupipe dataset features`), trained on
a learned teacher's soft labels (MediaPipe's blendshapes through `teacher label --images`), calibrated per AU on hand
labels, exported to ONNX with a card the TypeScript side checks (`src/classify/mesh/student.ts`).

Targets: each AU's teacher reading (`label.AU_FROM_BLENDSHAPES`, checked against the hand labels, never assumed) as
a standardised logit; the net regresses it (MSE), and a per-AU Platt scaling fitted on hand-labelled frames turns
the regressed score into a probability (in the exported graph). Evaluation is out of sample by person: for each
person, the net is trained on the other persons' frames and the Platt scaling on the other persons' hand labels.
"""
import csv
import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import AUS12
from .metrics import binary_auc

EPS = 1e-4


# ---------------------------------------------------------------------------------------------------- data


def load_features(path: str) -> dict:
    """features.csv of `aupipe dataset features`: ids, the feature matrix (names from the header) and the
    production AUs (`au_*` columns)."""
    with open(path, newline='') as fh:
        rows = list(csv.reader(fh))
    head, body = rows[0], [r for r in rows[1:] if r]
    fi = head.index('frame')
    f0 = head.index('crop') + 1 if 'crop' in head else fi + 1  # features start after the id columns
    a0 = head.index('au_AU1')
    names = head[f0:a0]
    return {
        'clip': [r[0] for r in body], 'pts_ms': np.array([float(r[1]) for r in body]),
        'track': np.array([int(r[2]) for r in body]), 'frame': [r[fi] for r in body],
        'names': names, 'X': np.array([[float(v) for v in r[f0:a0]] for r in body], np.float32),
        'rule': np.array([[float(v) for v in r[a0:a0 + 12]] for r in body], np.float32),
    }


def teacher_rows(features: dict, teacher_csv: str) -> tuple:
    """Teacher blendshapes per features row ([n, 52]; NaN where the teacher has none) and presence [n]. Rows of
    faces.csv follow features.csv's order, the teacher names them `file#k` (k-th box of that frame)."""
    from .teacher.bundle import BLENDSHAPES

    with open(teacher_csv, newline='') as fh:
        by = {r['file']: r for r in csv.DictReader(fh)}
    seen: dict = {}
    scores = np.full((len(features['frame']), len(BLENDSHAPES)), np.nan, np.float32)
    presence = np.zeros(len(features['frame']), np.float32)
    for i, f in enumerate(features['frame']):
        seen[f] = seen.get(f, 0) + 1
        r = by.get(f'{f}#{seen[f]}')
        if r:
            scores[i] = [float(r[n]) for n in BLENDSHAPES]
            presence[i] = float(r['presence'])
    return scores, presence


def teacher_aus(scores: np.ndarray) -> np.ndarray:
    """[n, 12] AU readings from blendshapes by `AU_FROM_BLENDSHAPES`."""
    from .teacher.label import AU_FROM_BLENDSHAPES

    return np.array([[AU_FROM_BLENDSHAPES[au](s) for au in AUS12] for s in scores], np.float32)


def sigmoid(x):
    return 0.5 * (1 + np.tanh(np.asarray(x) / 2))


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.log(q / (1 - q))


def load_frame_labels(path: str) -> dict:
    return json.loads(Path(path).read_text())


def person_of(clip: str, labels: dict) -> str:
    for pid, p in labels.get('persons', {}).items():
        if clip in p.get('clips', []) + p.get('alsoSeenIn', []):
            return pid
    return clip


def match_frames(features: dict, labels: dict, tol_ms: float = 60.0) -> list:
    """(row, hand labels) for each labelled frame: the features row of that clip nearest the labelled time (within
    tol_ms; the clip's first track when several faces)."""
    by_clip: dict = {}
    for i, c in enumerate(features['clip']):
        by_clip.setdefault(c, []).append(i)
    out = []
    for fr in labels['frames']:
        rows = by_clip.get(fr['clip'], [])
        if not rows or not fr.get('labels'):
            continue
        t = fr['t'] * 1000
        j = min(rows, key=lambda i: (abs(features['pts_ms'][i] - t), features['track'][i]))
        if abs(features['pts_ms'][j] - t) <= tol_ms:
            out.append((j, fr['labels']))
    return out


def hand_matrix(matches: list, n: int, aus: list = AUS12) -> np.ndarray:
    """[n, k] 1/0 where a frame is hand-labelled for that AU, NaN elsewhere."""
    y = np.full((n, len(aus)), np.nan, np.float32)
    for j, lab in matches:
        for k, au in enumerate(aus):
            if au in lab:
                y[j, k] = float(lab[au])
    return y


def as_stills(X: np.ndarray, names: list) -> np.ndarray:
    """The same faces as a still sees them: no person baseline (rel_* and baseline_weight 0)."""
    Xs = X.copy()
    for k, n in enumerate(names):
        if n.startswith('rel_') or n == 'baseline_weight':
            Xs[:, k] = 0
    return Xs


# ---------------------------------------------------------------------------------------------------- model


class StudentNet(nn.Module):
    """Standardise → MLP → per-AU score (teacher's standardised logit) → Platt → probability."""

    def __init__(self, d: int, k: int = 12, hidden: int = 32):
        super().__init__()
        self.register_buffer('mean', torch.zeros(d))
        self.register_buffer('std', torch.ones(d))
        # hidden 0: a linear (ridge) student, which generalises across persons better on few identities
        self.net = (nn.Linear(d, k) if hidden == 0 else
                    nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, k)))
        self.register_buffer('platt_a', torch.ones(k))
        self.register_buffer('platt_b', torch.zeros(k))

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.platt_a * self.score(x) + self.platt_b)


def train_net(X: np.ndarray, Z: np.ndarray, W: np.ndarray, *, epochs: int = 300, seed: int = 1, hidden: int = 32,
              weight_decay: float = 1e-3, Y: np.ndarray | None = None, lam: float = 1.0, l2_a: float = 1e-2) -> StudentNet:
    """Full-batch Adam on the teacher's masked MSE (W: 1 where the teacher has a reading) plus, with hand labels Y
    (1/0, NaN unknown), `lam` × their binary cross-entropy through the per-AU Platt scaling, learnt jointly (an L2
    of `l2_a` on its slope keeps a few separable labels from saturating it). The hand labels decide where the
    teacher is weak; the teacher shapes the rest."""
    torch.manual_seed(seed)
    net = StudentNet(X.shape[1], Z.shape[1], hidden)
    x = torch.from_numpy(X)
    net.mean.copy_(x.mean(0))
    net.std.copy_(x.std(0).clamp_min(1e-3))
    z, w = torch.from_numpy(np.nan_to_num(Z)), torch.from_numpy(W)
    params = list(net.net.parameters())
    if Y is not None:
        y = torch.from_numpy(np.nan_to_num(Y))
        m = torch.from_numpy((~np.isnan(Y)).astype(np.float32))
        a_raw = torch.nn.Parameter(torch.full((Z.shape[1],), 0.5413))  # softplus: slope ≥ 0, starts at 1
        b = torch.nn.Parameter(torch.zeros(Z.shape[1]))
        params += [a_raw, b]
    opt = torch.optim.Adam(params, lr=1e-2, weight_decay=weight_decay)
    for _ in range(epochs):
        opt.zero_grad()
        sc = net.score(x)
        loss = (((sc - z) ** 2) * w).sum() / w.sum().clamp_min(1)
        if Y is not None:
            a = nn.functional.softplus(a_raw)
            bce = nn.functional.binary_cross_entropy_with_logits(a * sc + b, y, reduction='none')
            loss = loss + lam * (bce * m).sum() / m.sum().clamp_min(1) + l2_a * (a ** 2).mean()
        loss.backward()
        opt.step()
    if Y is not None:
        with torch.no_grad():
            net.platt_a.copy_(nn.functional.softplus(a_raw))
            net.platt_b.copy_(b)
    return net.eval()


def platt_fit(s: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 200) -> tuple:
    """1-D logistic regression p = σ(a·s + b) by Newton's method, with an L2 prior on a (weight `l2`) so that a few
    separable labels do not push probabilities to 0 or 1; one class only: the identity (a = 1, b = 0)."""
    if len(y) == 0 or y.min() == y.max():
        return 1.0, 0.0
    a, b = 1.0, 0.0
    for _ in range(iters):
        p = sigmoid(a * s + b)
        g = np.array([np.sum((p - y) * s) + l2 * a, np.sum(p - y)])
        h = p * (1 - p)
        H = np.array([[np.sum(h * s * s) + l2, np.sum(h * s)], [np.sum(h * s), np.sum(h) + 1e-9]])
        step = np.linalg.solve(H, g)
        a, b = a - step[0], b - step[1]
        if a < 0:  # a calibration maps the score monotonically up: a reversed one would flip a person's ranking
            a = 0.0
            b = float(np.log((y.mean() + 1e-6) / (1 - y.mean() + 1e-6)))
            break
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width bins."""
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[idx == b].mean() - y[idx == b].mean()) * (idx == b).sum() for b in range(bins) if (idx == b).any()) / len(p))


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list:
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return [{'bin': b, 'n': int((idx == b).sum()), 'mean_p': float(p[idx == b].mean()), 'rate': float(y[idx == b].mean())}
            for b in range(bins) if (idx == b).any()]


# ---------------------------------------------------------------------------------------------------- protocol


def fit_student(X, Z, W, hand, rows, *, seed=1, epochs=300, hidden=32, weight_decay=1e-3) -> StudentNet:
    """Net on X/Z/W (plus the same rows as stills), Platt per AU on the hand-labelled `rows`."""
    net = train_net(X, Z, W, epochs=epochs, seed=seed, hidden=hidden, weight_decay=weight_decay)
    with torch.no_grad():
        s = net.score(torch.from_numpy(X)).numpy()
    for k in range(Z.shape[1]):
        known = rows[~np.isnan(hand[rows, k])]
        a, b = platt_fit(s[known, k], hand[known, k])
        net.platt_a[k], net.platt_b[k] = a, b
    return net


def prepare(features: dict, scores: np.ndarray, presence: np.ndarray, min_presence: float = 0.5) -> tuple:
    """Targets Z (standardised teacher logits; NaN where no trusted teacher reading) and mask W."""
    t = teacher_aus(np.nan_to_num(scores))
    L = logit(t)
    ok = (~np.isnan(scores).any(1)) & (presence >= min_presence)
    mu, sd = L[ok].mean(0), L[ok].std(0) + 1e-6
    Z = (L - mu) / sd
    Z[~ok] = np.nan
    W = np.repeat(ok[:, None].astype(np.float32), Z.shape[1], 1)
    return Z.astype(np.float32), W, t


def out_of_fold(features, Z, W, hand, persons, *, seed=1, epochs=300, hidden=32, stills_aug=True, lam=0.0,
                weight_decay=1e-3) -> np.ndarray:
    """[n, 12] out-of-person probabilities on every row: the net, and its calibration, fitted without that person
    (lam > 0: the other persons' hand labels train the net jointly; else a Platt scaling fitted on them after)."""
    X = features['X']
    names = features['names']
    P = np.full(Z.shape, np.nan, np.float32)
    labelled = np.where(~np.isnan(hand).all(1))[0]
    for p in sorted(set(persons)):
        test = np.array([q == p for q in persons])
        tr = np.where(~test)[0]
        Xtr, Ztr, Wtr, Ytr = X[tr], Z[tr], W[tr], hand[tr]
        if stills_aug:
            Xtr = np.concatenate([Xtr, as_stills(Xtr, names)])
            Ztr, Wtr, Ytr = np.concatenate([Ztr, Ztr]), np.concatenate([Wtr, Wtr]), np.concatenate([Ytr, Ytr])
        net = train_net(Xtr, Ztr, Wtr, epochs=epochs, seed=seed, hidden=hidden, weight_decay=weight_decay,
                        **({'Y': Ytr, 'lam': lam} if lam > 0 else {}))
        if lam > 0:
            with torch.no_grad():
                P[test] = net(torch.from_numpy(X[test])).numpy()
            continue
        with torch.no_grad():
            s = net.score(torch.from_numpy(X)).numpy()
        cal_rows = np.array([i for i in labelled if not test[i]], int)
        for k in range(Z.shape[1]):
            known = cal_rows[~np.isnan(hand[cal_rows, k])] if len(cal_rows) else cal_rows
            a, b = platt_fit(s[known, k], hand[known, k]) if len(known) else (1.0, 0.0)
            P[test, k] = sigmoid(a * s[test, k] + b)
    return P


FUSION_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def best_weight(rule: np.ndarray, student: np.ndarray, y: np.ndarray) -> float:
    """The FUSION_GRID weight whose log-odds mix ranks y best (AUC; ties to the lower weight; 0 with one class)."""
    from .metrics import binary_auc

    best, wbest = -1.0, 0.0
    if y.min(initial=1) < y.max(initial=0):
        for w in FUSION_GRID:
            a = binary_auc(mix(rule, student, w), y.astype(int))
            if a > best + 1e-9:
                best, wbest = a, w
    return wbest


def nested_fusion(rule: np.ndarray, student: np.ndarray, hand: np.ndarray, persons: list) -> tuple:
    """Per AU, the student's log-odds weight against the rule chosen for each person on the other persons' labelled
    frames only, and the fused out-of-person probabilities."""
    out = np.full(rule.shape, np.nan, np.float32)
    chosen = {}
    for p in sorted(set(persons)):
        test = np.array([q == p for q in persons])
        for k in range(rule.shape[1]):
            fit = ~np.isnan(hand[:, k]) & ~test
            w = best_weight(rule[fit, k], student[fit, k], hand[fit, k])
            chosen.setdefault(AUS12[k], []).append(w)
            out[test, k] = mix(rule[test, k], student[test, k], w)
    return out, chosen


def final_fusion(rule: np.ndarray, student: np.ndarray, hand: np.ndarray) -> dict:
    """Per-AU weights for the shipped model, chosen on every labelled frame (as nested_fusion does per fold)."""
    out = {}
    for k, au in enumerate(AUS12):
        fit = ~np.isnan(hand[:, k])
        out[au] = best_weight(rule[fit, k], student[fit, k], hand[fit, k])
    return out


def auc_report(scores: np.ndarray, hand: np.ndarray, persons: list, aus: list = AUS12) -> dict:
    out = {}
    for k, au in enumerate(aus):
        known = ~np.isnan(hand[:, k])
        y = hand[known, k].astype(int)
        if not known.any():
            continue
        pos_persons = len({persons[i] for i in np.where(known)[0] if hand[i, k] == 1})
        row = {'positives': int(y.sum()), 'negatives': int((1 - y).sum()), 'persons_with_positive': pos_persons}
        if y.sum() and (1 - y).sum():
            row['auc'] = round(binary_auc(scores[known, k], y), 4)
        out[au] = row
    return out


def calibration_report(P: np.ndarray, hand: np.ndarray, aus: list = AUS12) -> dict:
    out = {}
    for k, au in enumerate(aus):
        known = ~np.isnan(hand[:, k]) & ~np.isnan(P[:, k])
        if known.sum() < 2:
            continue
        p, y = P[known, k], hand[known, k]
        out[au] = {'ece': round(ece(p, y), 4), 'bins': reliability(p, y), 'min_p': round(float(p.min()), 4),
                   'max_p': round(float(p.max()), 4)}
    return out


def reliability_png(cal: dict, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    aus = list(cal)
    cols = 4
    rows = math.ceil(len(aus) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    for ax, au in zip(axes.flat, aus):
        b = cal[au]['bins']
        ax.plot([0, 1], [0, 1], color='#999', lw=1, ls='--')
        ax.bar([x['mean_p'] for x in b], [x['rate'] for x in b], width=0.08, alpha=0.35, color='#1f77b4')
        ax.plot([x['mean_p'] for x in b], [x['rate'] for x in b], 'o-', color='#1f77b4')
        for x in b:
            ax.annotate(str(x['n']), (x['mean_p'], x['rate']), fontsize=7, textcoords='offset points', xytext=(0, 4), ha='center')
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.05)
        ax.set_title(f"{au}  ECE {cal[au]['ece']:.3f}", fontsize=10)
        ax.set_xlabel('predicted probability', fontsize=8)
        ax.set_ylabel('share labelled present', fontsize=8)
    for ax in list(axes.flat)[len(aus):]:
        ax.axis('off')
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------- export


def export_student(net: StudentNet, names: list, out_dir: str, card_extra: dict, X_check: np.ndarray) -> dict:
    """model.onnx + model.json; ONNX Runtime (onnxruntime-node) must equal PyTorch within 1e-4 on X_check."""
    from .ort import run_ort

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(2, len(names))
    torch.onnx.export(net.eval(), dummy, str(out / 'model.onnx'), opset_version=13, input_names=['features'],
                      output_names=['probabilities'], dynamic_axes={'features': {0: 'batch'}, 'probabilities': {0: 'batch'}})
    with torch.no_grad():
        ref = net(torch.from_numpy(X_check)).numpy()
    got = run_ort(str(out / 'model.onnx'), X_check)['output']
    diff = float(np.abs(got - ref).max())
    if diff > 1e-4:
        raise AssertionError(f'ONNX Runtime differs from PyTorch by {diff:.3g} (> 1e-4)')
    card = {'name': 'au-mesh-student', 'version': '1', 'kind': 'mesh-student', 'features': list(names), 'aus': list(AUS12),
            'onnx': {'ortVsTorchMaxAbsDiff': diff, 'checkedRows': int(len(X_check))}, **card_extra}
    (out / 'model.json').write_text(json.dumps(card, indent=2) + '\n')
    return card


# ---------------------------------------------------------------------------------------------------- command


def platt_oof(scores: np.ndarray, hand: np.ndarray, persons: list) -> np.ndarray:
    """Platt scaling of given scores (logits), fitted per held-out person on the other persons' hand labels."""
    P = np.full(scores.shape, np.nan, np.float32)
    labelled = ~np.isnan(hand)
    for p in sorted(set(persons)):
        test = np.array([q == p for q in persons])
        for k in range(scores.shape[1]):
            fit = labelled[:, k] & ~test
            a, b = platt_fit(scores[fit, k], hand[fit, k]) if fit.any() else (1.0, 0.0)
            P[test, k] = sigmoid(a * scores[test, k] + b)
    return P


def mix(p: np.ndarray, q: np.ndarray, w: float) -> np.ndarray:
    return sigmoid((1 - w) * logit(p) + w * logit(q))


def shipped_net(X, Z, W, Y, a) -> StudentNet:
    """The net as the command's flags ask for, trained once: jointly on teacher and hand labels (lam > 0), or on the
    teacher with a Platt scaling fitted on the hand-labelled rows after."""
    if a.lam > 0:
        return train_net(X, Z, W, epochs=a.epochs, hidden=a.hidden, weight_decay=a.weight_decay, Y=Y, lam=a.lam)
    return fit_student(X, Z, W, Y, np.where(~np.isnan(Y).all(1))[0], epochs=a.epochs, hidden=a.hidden,
                       weight_decay=a.weight_decay)


def run(a) -> int:
    feats = load_features(a.features)
    scores, presence = teacher_rows(feats, a.teacher)
    Z, W, t = prepare(feats, scores, presence)
    labels = load_frame_labels(a.frame_labels)
    persons = [person_of(c, labels) for c in feats['clip']]
    matches = match_frames(feats, labels)
    hand = hand_matrix(matches, len(persons))
    rows = np.where(~np.isnan(hand).all(1))[0]
    print(f'{len(persons)} faces, {len(set(persons))} persons, teacher on {int(W[:, 0].sum())}, '
          f'{len(matches)} hand-labelled frames matched', flush=True)
    rule = feats['rule']
    variants = {}
    for name, lam in (('student_teacher_only', 0.0), (f'student_joint_{a.lam:g}', a.lam)):
        if name in variants or (lam == 0 and a.lam == 0 and variants):
            continue
        P = np.mean([out_of_fold(feats, Z, W, hand, persons, seed=s, epochs=a.epochs, hidden=a.hidden, lam=lam,
                                 weight_decay=a.weight_decay)
                     for s in range(1, a.seeds + 1)], axis=0)
        F, chosen = nested_fusion(rule, P, hand, persons)
        variants[name] = (P, F, chosen)
        print(f'{name}: out of fold done', flush=True)
    P, F, chosen = variants[f'student_joint_{a.lam:g}' if a.lam > 0 else 'student_teacher_only']
    rule_cal = platt_oof(logit(rule), hand, persons)
    report = {
        'features': a.features, 'teacher': a.teacher, 'frame_labels': a.frame_labels,
        'faces': len(persons), 'persons': sorted(set(persons)), 'hand_labelled_frames': len(matches),
        'protocol': 'out of sample by person: for each person, the student net is trained on the other persons\' '
                    'teacher labels and its Platt scaling fitted on the other persons\' hand labels',
        'auc': {
            'rule_production': auc_report(rule, hand, persons),
            'teacher_mapped': auc_report(t, hand, persons),
            **{name: auc_report(v[0], hand, persons) for name, v in variants.items()},
            **{f'fused_{name}': auc_report(v[1], hand, persons) for name, v in variants.items()},
        },
        'fusion_weights_per_fold': {name: v[2] for name, v in variants.items()},
        'calibration': {
            'student': calibration_report(P, hand),
            'fused': calibration_report(F, hand),
            'rule_production': calibration_report(rule, hand),
            'rule_platt_oof': calibration_report(rule_cal, hand),
        },
    }
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'report.json').write_text(json.dumps(report, indent=1) + '\n')
    np.save(out / 'oof_student.npy', P)
    reliability_png(report['calibration']['student'], str(out / 'reliability-student.png'),
                    'mesh student, out of fold by person (hand-labelled video frames)')
    reliability_png(report['calibration']['fused'], str(out / 'reliability-fused.png'),
                    'geometry + student, per-AU weights chosen without the scored person (out of fold)')
    reliability_png(report['calibration']['rule_production'], str(out / 'reliability-rule.png'),
                    'geometric mesh estimator as shipped (hand-labelled video frames)')
    for name, tab in report['auc'].items():
        cells = ' '.join(f"{au}:{v.get('auc', float('nan')):.2f}({v['positives']}/{v['negatives']})" for au, v in tab.items())
        print(f'{name:16s} {cells}')
    for name, tab in report['calibration'].items():
        print(f"ECE {name:16s} " + ' '.join(f"{au}:{v['ece']:.3f}" for au, v in tab.items()))
    if a.export:
        X = feats['X']
        Xtr = np.concatenate([X, as_stills(X, feats['names'])])
        Z2, W2, Y2 = np.concatenate([Z, Z]), np.concatenate([W, W]), np.concatenate([hand, hand])
        net = shipped_net(Xtr, Z2, W2, Y2, a)
        weights = final_fusion(rule, P, hand)
        card = export_student(net, feats['names'], a.export, {
            'description': 'MLP over the mesh estimator\'s per-face features, trained on MediaPipe Face Landmarker v2 '
                           'blendshapes (training-time teacher, not shipped) and hand-labelled video frames '
                           '(test/fixtures/frame-labels.json), calibrated per AU; mixed into the geometric reading '
                           'per AU by fusionWeights. See docs/au-evidence.md, "The mesh student".',
            'fusionWeights': weights,
            'training': {'faces': len(persons), 'persons': sorted(set(persons)), 'epochs': a.epochs, 'hidden': a.hidden,
                         'handLabelWeight': a.lam,
                         'teacherMapping': 'training/aupipe_train/teacher/label.py AU_FROM_BLENDSHAPES'},
            'outOfFold': report['auc'],
            'ece': {k: {au: v['ece'] for au, v in tab.items()} for k, tab in report['calibration'].items()},
        }, X[: min(64, len(X))])
        print(f"exported {a.export} (ORT vs PyTorch {card['onnx']['ortVsTorchMaxAbsDiff']:.2g}); fusion weights {weights}")
    if a.folds_out:
        X = feats['X']
        for p in sorted(set(persons)):
            tr = np.array([q != p for q in persons])
            Xtr = np.concatenate([X[tr], as_stills(X[tr], feats['names'])])
            Z2, W2, Y2 = (np.concatenate([m[tr], m[tr]]) for m in (Z, W, hand))
            net = shipped_net(Xtr, Z2, W2, Y2, a)
            others = np.array([q != p for q in persons])
            weights = final_fusion(rule[others], P[others], hand[others])
            export_student(net, feats['names'], str(Path(a.folds_out) / p), {
                'description': f'fold student for evaluation only: trained and calibrated without person {p}',
                'fusionWeights': weights, 'heldOut': p}, X[:8])
        print(f'fold students -> {a.folds_out}')
    return 0


def add_parser(sub) -> None:
    s = sub.add_parser('student', help='the mesh student: MLP over mesh features, trained on teacher labels, '
                       'calibrated on hand labels; out-of-person report, reliability plots, ONNX export')
    s.add_argument('--features', required=True, help='features.csv of `aupipe dataset features`')
    s.add_argument('--teacher', required=True, help='teacher CSV of `teacher label --images faces.csv`')
    s.add_argument('--frame-labels', default='test/fixtures/frame-labels.json')
    s.add_argument('--out', required=True, help='report folder (report.json, reliability PNGs)')
    s.add_argument('--export', help='also train on everything and write the shipped model folder here')
    s.add_argument('--epochs', type=int, default=300)
    s.add_argument('--hidden', type=int, default=32, help='MLP width (0: linear)')
    s.add_argument('--weight-decay', type=float, default=1e-3)
    s.add_argument('--seeds', type=int, default=1)
    s.add_argument('--lam', type=float, default=1.0, help='weight of the hand labels in training (0: teacher only)')
    s.add_argument('--folds-out', help='also write one student per held-out person (DIR/<person>/) for aupipe eval --frames')
    s.set_defaults(func=run)
