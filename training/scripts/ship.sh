#!/usr/bin/env bash
# Reproduces the shipped bundle models/au-mobilenet from the repository root:
# build the training set (data/real-faces' faces + 2 augmented and 2 mesh-warped variants each, re-detected and
# re-labelled),
# convert face-api's expression-net weights, score the setting 3-fold out of fold, train the final model, export.
# ~10 min on 2 CPU cores (the data set ~5-8 min of it). Usage: bash training/scripts/ship.sh
set -euo pipefail
PY=/usr/bin/python3
W=training/runs/weights
D=training/runs/data/real-faces-aug2-warps2
# Same detector runtime, seed and labeller as data/real-faces, so its base crops and labels are data/real-faces'.
# (--labeller mesh, the estimator with its 68-point lip net, taught a slightly worse model: training/README.md (5).)
[ -f "$D/labels.csv" ] || AUPIPE_DETECT_BACKEND=tfjs npx tsx src/cli.ts dataset pseudo --out "$D" --seed 1 --augment 2 --warps 2 --labeller mesh-crop
# Stage 1 only (head on the frozen backbone): on this data fine-tuning did not help the hand-labelled faces
# (training/README.md, table (5)).
COMMON=(--data "$D" --backbone face_dense --train-only screenshot-facematch --epochs-head 7 --epochs-ft 0
  --batch-size 16 --loss proposed --pretrained "$W/face-expression.pt")
[ -f "$W/face-expression.pt" ] || $PY -m training convert face-expression --out "$W/face-expression.pt"
$PY -m training train "${COMMON[@]}" --fold -1 --out training/runs/exp2/fd-augwarps-headonly-s0
$PY -m training train "${COMMON[@]}" --final --out training/runs/final-fd
$PY -m training export --run training/runs/final-fd --metrics training/runs/exp2/fd-augwarps-headonly-s0/metrics.json \
  --out models/au-mobilenet --name au-mobilenet \
  --loss-text 'proposed: BCE with per-AU positive weights (1-p)/p from base rates (cap 10) + 0.5 x soft-F1 (Dice), masked for unknown labels' \
  --training-data 'Aligned real face crops (aupipe-5pt-v1, 112 px) from the offline photos (142 faces) plus up to 2 augmented (crop, rotation, colour, blur, noise, JPEG, occlusion) and 2 small mesh-warped (lip-corner pull, jaw drop or brow raise) variants of each, all with soft pseudo-labels from the mesh AU estimator measured on the re-detected face (geometry; AU25 also the teeth/cavity seen between the lips): not human FACS labels. DISFA (human FACS labels) training with the same commands is the path to published-level accuracy.' \
  --limitations 'Taught by the mesh estimator on 142 real faces (plus re-detected variants): per-AU reliability is low and AUs without clear examples in the photos (1, 2, 4, 5, 9, 15, 17, 20) are untested. Out of fold on the 29 hand-labelled photo faces (three annotators consensus, seeds 0-2): mean AUC 0.81 against 0.86 for the teacher labels on the same crops (AU6 0.74, AU12 0.97, AU25 0.91, AU26 0.62 against 0.65, 0.98, 0.90, 0.93); it misses the AUC 0.95 target on AU25 and AU26 and trails the teacher by more than 0.05 on AU26 (4 positives). Several AUs had no validation positives (threshold left at 0.5). The production mesh estimator ranks these faces better (mean 0.97 with its lip and expression nets): use the CNN fused with it on AU12 and AU25 (classify.fusionAus), not instead of it.'
