"""Calibration of the production AU probabilities on the video-frame yardstick: the `au_*` columns of a
features.csv written by `aupipe dataset features` over the labelled clips, matched to the hand-labelled frames of
test/fixtures/frame-labels.json (nearest sample within 60 ms, as `aupipe eval --frames`), ECE per AU (10 bins) and
a reliability plot per AU (PNG). No teacher needed.

node bin/aupipe.mjs dataset features <the labelled clips> -o DIR
/usr/bin/python3 training/scripts/frame_reliability.py DIR/features.csv --out docs/reliability-mesh-frames.png
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from training.aupipe_train.student import (  # noqa: E402
    AUS12,
    calibration_report,
    hand_matrix,
    load_features,
    load_frame_labels,
    match_frames,
    reliability_png,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('features')
    ap.add_argument('--frame-labels', default='test/fixtures/frame-labels.json')
    ap.add_argument('--out', required=True, help='PNG to write')
    a = ap.parse_args()
    feats = load_features(a.features)
    matches = match_frames(feats, load_frame_labels(a.frame_labels))
    if not matches:
        print('no labelled frame matched a features row (wrong clips?)', file=sys.stderr)
        return 1
    hand = hand_matrix(matches, len(feats['clip']))
    cal = calibration_report(feats['rule'], hand, AUS12)
    reliability_png(cal, a.out, f'shipped default on the video-frame yardstick ({len(matches)} frames)')
    print(f'{len(matches)} frames matched; ECE ' + ' '.join(f"{au}:{v['ece']:.3f}" for au, v in cal.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
