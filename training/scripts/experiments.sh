#!/usr/bin/env bash
# The README's experiments on data/real-faces (3-fold subject-independent, out-of-fold scoring), from the repo root.
# Usage: bash training/scripts/experiments.sh [group...]
#   groups: probe losses backbones transfer augment densenet timing schedule nsfwjs224 variants bench   (default: all)
# Every two-stage run writes $E/<name>/metrics.json; a run whose metrics.json exists is skipped, so an interrupted
# sweep continues where it stopped. Threads: AUPIPE_THREADS (default: all cores).
set -euo pipefail
PY=/usr/bin/python3
W=training/runs/weights
E=${E:-training/runs/exp}
export AUPIPE_QUIET=1
SEEDS=(${SEEDS:-0 1 2})
BASE=(--data data/real-faces --train-only screenshot-facematch --epochs-head 3 --epochs-ft 4 --batch-size 16)
FD=(--backbone face_dense --pretrained "$W/face-expression.pt")
MV1=(--backbone mobilenet_v1 --pretrained "$W/ssd-mobilenetv1.pt")
NSFW=(--backbone mobilenet_v2_tf --pretrained "$W/nsfwjs-mobilenetv2.pt")
groups=("${@:-probe losses backbones transfer augment densenet timing schedule nsfwjs224 variants bench}")
want() { [[ " ${groups[*]} " == *" $1 "* ]]; }
# run NAME ARGS...: one 3-fold two-stage run into $E/NAME, skipped when it has finished before
run() {
  local name=$1
  shift
  [ -f "$E/$name/metrics.json" ] && return 0
  echo "== $name ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  $PY -m training train "${BASE[@]}" "$@" --out "$E/$name"
}
[ -f "$W/face-expression.pt" ] || $PY -m training convert face-expression --out "$W/face-expression.pt"
[ -f "$W/ssd-mobilenetv1.pt" ] || $PY -m training convert ssd-mobilenetv1 --out "$W/ssd-mobilenetv1.pt"
[ -f "$W/nsfwjs-mobilenetv2.pt" ] || $PY -m training convert nsfwjs-mobilenetv2 --out "$W/nsfwjs-mobilenetv2.pt"
if want probe; then
  AUPIPE_THREADS=1 $PY -m training probe --data data/real-faces --train-only screenshot-facematch --losses bce --seeds 0,1,2 \
    --backbones "face_dense:$W/face-expression.pt,face_dense,mobilenet_v1:$W/ssd-mobilenetv1.pt,mobilenet_v1,mobilenet_v2,mobilenet_v2_tf:$W/nsfwjs-mobilenetv2.pt,densenet121" \
    --out $E/probe-backbones.json
  AUPIPE_THREADS=1 $PY -m training probe --data data/real-faces --train-only screenshot-facematch --seeds 0,1,2 \
    --backbones "face_dense:$W/face-expression.pt" --losses bce,bce_pw,focal,asl,soft_f1,proposed --out $E/probe-losses.json
fi
# losses: the shipped setting (face_dense, face-api init, proposed loss, augmentation) against plain BCE
if want losses; then
  for seed in "${SEEDS[@]}"; do
    for loss in proposed bce; do run fd-$loss-s$seed "${FD[@]}" --loss $loss --seed $seed; done
  done
fi
# backbones: face_dense = the fd-proposed runs above (same command, skipped when losses ran first)
if want backbones; then
  for seed in "${SEEDS[@]}"; do
    run fd-proposed-s$seed "${FD[@]}" --loss proposed --seed $seed
    run mv1-proposed-s$seed "${MV1[@]}" --loss proposed --seed $seed
    run mv2-scratch-s$seed --backbone mobilenet_v2 --loss proposed --seed $seed
    run mv2tf-nsfwjs-s$seed "${NSFW[@]}" --loss proposed --seed $seed
  done
fi
# transfer: the same nets from random initialisation (mv2tf-scratch isolates the nsfwjs weights from the Keras padding/BN eps)
if want transfer; then
  for seed in "${SEEDS[@]}"; do
    run fd-scratch-s$seed --backbone face_dense --loss proposed --seed $seed
    run mv2tf-scratch-s$seed --backbone mobilenet_v2_tf --loss proposed --seed $seed
  done
fi
if want augment; then
  for seed in "${SEEDS[@]}"; do run fd-noaug-s$seed "${FD[@]}" --loss proposed --no-augment --seed $seed; done
fi
# densenet: random init (no DenseNet121 weights ship offline); DN_EPOCHS="head ft" shortens it (README says what ran)
if want densenet; then
  read -r dn_head dn_ft <<<"${DN_EPOCHS:-3 4}"
  for seed in "${SEEDS[@]}"; do
    run dn121-scratch-s$seed --backbone densenet121 --loss proposed --seed $seed --epochs-head "$dn_head" --epochs-ft "$dn_ft"
  done
fi
# timing: seconds per epoch of each backbone back to back (fold 0, 1 head + 2 fine-tuning epochs, augmentation on),
# so the s/epoch column compares backbones under the same machine load (the sweeps above share the CPUs over ~20 min)
if want timing; then
  for b in face_dense mobilenet_v1 mobilenet_v2 mobilenet_v2_tf densenet121; do
    run time-$b --backbone $b --loss proposed --fold 0 --epochs-head 1 --epochs-ft 2
  done
fi
if want schedule; then
  for seed in "${SEEDS[@]}"; do
    run fd-top1-s$seed "${FD[@]}" --loss proposed --unfreeze 1 --seed $seed
    run fd-onestage-s$seed "${FD[@]}" --loss proposed --epochs-head 0 --epochs-ft 7 --seed $seed
    run fd-bntrain-s$seed "${FD[@]}" --loss proposed --bn train --seed $seed
    run mv1-bntrain-s$seed "${MV1[@]}" --loss proposed --bn train --seed $seed
  done
fi
# nsfwjs224: the nsfwjs MobileNetV2 at the input size it was trained at (crops upsampled 112 -> 224), ~4x the compute
if want nsfwjs224; then
  for seed in "${SEEDS[@]}"; do run mv2tf-nsfwjs224-s$seed "${NSFW[@]}" --size 224 --loss proposed --seed $seed; done
fi
# variants: re-detected variants per face in the data (built once into training/runs/data, the folder ship.sh uses;
# same detector runtime and seed as data/real-faces, so the base crops are its crops), and stage 1 only
if want variants; then
  D=training/runs/data
  pseudo() { [ -f "$D/$1/labels.csv" ] || AUPIPE_DETECT_BACKEND=tfjs npx tsx src/cli.ts dataset pseudo --out "$D/$1" --seed 1 "${@:2}"; }
  # --labeller mesh-crop: labelled as data/real-faces is (geometry + mouth appearance); the lips68 set is labelled
  # by the production estimator with its 68-point lip net, the one row that differs in labels only
  pseudo real-faces-aug2 --augment 2 --labeller mesh-crop
  pseudo real-faces-warps2 --augment 0 --warps 2 --labeller mesh-crop
  pseudo real-faces-aug2-warps2 --augment 2 --warps 2 --labeller mesh-crop
  pseudo real-faces-aug2-warps2-lips68 --augment 2 --warps 2 --labeller mesh
  HEAD_ONLY=(--epochs-head 7 --epochs-ft 0)
  for seed in "${SEEDS[@]}"; do
    run fd-headonly-s$seed "${FD[@]}" --loss proposed "${HEAD_ONLY[@]}" --seed $seed
    run fd-aug2-s$seed "${FD[@]}" --loss proposed --data $D/real-faces-aug2 --seed $seed
    run fd-warps-s$seed "${FD[@]}" --loss proposed --data $D/real-faces-warps2 --seed $seed
    run fd-warps-headonly-s$seed "${FD[@]}" --loss proposed --data $D/real-faces-warps2 "${HEAD_ONLY[@]}" --seed $seed
    run fd-augwarps-headonly-s$seed "${FD[@]}" --loss proposed --data $D/real-faces-aug2-warps2 "${HEAD_ONLY[@]}" --seed $seed
    run fd-augwarps-lips68-headonly-s$seed "${FD[@]}" --loss proposed --data $D/real-faces-aug2-warps2-lips68 "${HEAD_ONLY[@]}" --seed $seed
  done
fi
want bench && $PY -m training bench --backbones face_dense,mobilenet_v1,mobilenet_v2,mobilenet_v2_tf,densenet121 --out $E/bench.json
exit 0
