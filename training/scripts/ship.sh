#!/usr/bin/env bash
# Reproduces the shipped bundle models/au-mobilenet from the repository root:
# convert face-api's expression-net weights, score the setting 3-fold out of fold, train the final model, export.
# ~25 min on 2 busy CPU cores. Usage: bash training/scripts/ship.sh
set -euo pipefail
PY=/usr/bin/python3
W=training/runs/weights
COMMON=(--data data/real-faces --backbone face_dense --train-only screenshot-facematch --epochs-head 3 --epochs-ft 4
  --batch-size 16 --loss proposed --pretrained "$W/face-expression.pt")
$PY -m training convert face-expression --out "$W/face-expression.pt"
$PY -m training train "${COMMON[@]}" --fold -1 --out training/runs/exp/fd-proposed-s0
$PY -m training train "${COMMON[@]}" --final --out training/runs/final-fd
$PY -m training export --run training/runs/final-fd --metrics training/runs/exp/fd-proposed-s0/metrics.json \
  --out models/au-mobilenet --name au-mobilenet \
  --loss-text 'proposed: BCE with per-AU positive weights (1-p)/p from base rates (cap 10) + 0.5 x soft-F1 (Dice), masked for unknown labels' \
  --training-data 'Aligned real face crops (aupipe-5pt-v1, 112 px) from the offline photos with soft pseudo-labels from the mesh AU estimator (geometry; AU25 also the teeth/cavity seen between the lips): not human FACS labels, 142 faces. DISFA (human FACS labels) training with the same commands is the path to published-level accuracy.' \
  --limitations 'Taught by the mesh estimator on 142 faces: per-AU reliability is low. Out of fold on the 29 hand-labelled photo faces (shipped setting, seeds 0-2): mean AUC 0.74 +- 0.03 against 0.81 for the teacher (AU12 0.93, AU25 0.75, AU26 0.57 against 0.99, 0.89, 0.85); it misses the AUC 0.95 target on AU25 and AU26 and trails the teacher by more than 0.05 there. Several AUs had no validation positives (threshold left at 0.5). Use it fused with the mesh estimator, not instead of it.'
