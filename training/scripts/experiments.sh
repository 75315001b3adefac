#!/usr/bin/env bash
# The README's experiments on data/real-faces (3-fold subject-independent, out-of-fold scoring), from the repo root.
# Usage: bash training/scripts/experiments.sh [group...]   groups: probe backbones transfer losses schedule augment bench
set -euo pipefail
PY=/usr/bin/python3
W=training/runs/weights
E=training/runs/exp
export AUPIPE_QUIET=1
BASE=(--data data/real-faces --train-only screenshot-facematch --epochs-head 3 --epochs-ft 4 --batch-size 16)
FD=(--backbone face_dense --pretrained "$W/face-expression.pt")
groups=("${@:-probe backbones transfer losses schedule augment bench}")
want() { [[ " ${groups[*]} " == *" $1 "* ]]; }
[ -f "$W/face-expression.pt" ] || $PY -m training convert face-expression --out "$W/face-expression.pt"
[ -f "$W/ssd-mobilenetv1.pt" ] || $PY -m training convert ssd-mobilenetv1 --out "$W/ssd-mobilenetv1.pt"
if want probe; then
  AUPIPE_THREADS=1 $PY -m training probe --data data/real-faces --train-only screenshot-facematch --losses bce --seeds 0,1,2 \
    --backbones "face_dense:$W/face-expression.pt,face_dense,mobilenet_v1:$W/ssd-mobilenetv1.pt,mobilenet_v1,mobilenet_v2,densenet121" \
    --out $E/probe-backbones.json
  AUPIPE_THREADS=1 $PY -m training probe --data data/real-faces --train-only screenshot-facematch --seeds 0,1,2 \
    --backbones "face_dense:$W/face-expression.pt" --losses bce,bce_pw,focal,asl,soft_f1,proposed --out $E/probe-losses.json
fi
want transfer && $PY -m training train "${BASE[@]}" --backbone face_dense --loss proposed --out $E/fd-scratch-s0
want backbones && $PY -m training train "${BASE[@]}" --backbone mobilenet_v1 --pretrained "$W/ssd-mobilenetv1.pt" --loss proposed --out $E/mv1-proposed-s0
want backbones && $PY -m training train "${BASE[@]}" --backbone mobilenet_v2 --loss proposed --out $E/mv2-scratch-s0
if want losses; then
  for seed in 0 1 2; do
    for loss in proposed bce; do
      [ -f $E/fd-$loss-s$seed/metrics.json ] || $PY -m training train "${BASE[@]}" "${FD[@]}" --loss $loss --seed $seed --out $E/fd-$loss-s$seed
    done
  done
fi
if want schedule; then
  $PY -m training train "${BASE[@]}" "${FD[@]}" --loss proposed --unfreeze 1 --out $E/fd-top1-s0
  $PY -m training train "${BASE[@]}" "${FD[@]}" --loss proposed --epochs-head 0 --epochs-ft 7 --out $E/fd-onestage-s0
  $PY -m training train "${BASE[@]}" "${FD[@]}" --loss proposed --bn train --out $E/fd-bntrain-s0
  $PY -m training train "${BASE[@]}" --backbone mobilenet_v1 --pretrained "$W/ssd-mobilenetv1.pt" --loss proposed --bn train --out $E/mv1-bntrain-s0
fi
want augment && $PY -m training train "${BASE[@]}" "${FD[@]}" --loss proposed --no-augment --out $E/fd-noaug-s0
want bench && $PY -m training bench --out $E/bench.json
exit 0
