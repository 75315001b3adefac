#!/usr/bin/env bash
# The whole test suite: TypeScript (vitest, real ffmpeg/nats-server/RTSP/Chromium) and the Python trainer (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx vitest run "$@"
if [[ -d training/tests ]]; then
  /usr/bin/python3 -m pytest -q training/tests tools/tests
fi
