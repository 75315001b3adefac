#!/usr/bin/env bash
# Installs what aupipe needs on a fresh Debian 12 machine with Node 20: Debian packages (as root),
# then npm packages. Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(ffmpeg nats-server chromium python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad python3-torch python3-torchvision python3-onnx
  python3-numpy python3-pil python3-pytest python3-skimage opencv-doc)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "ensure-deps: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "ensure-deps: installing Debian packages with sudo: ${missing[*]}" >&2
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "ensure-deps: missing Debian packages: ${missing[*]}" >&2
    echo "ensure-deps: install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# onnxruntime-node's postinstall would fetch the CUDA provider from outside the npm registry.
export ONNXRUNTIME_NODE_INSTALL=skip
# Whether node_modules matches the lock is decided by content, not mtimes: a fresh checkout or git worktree
# has a newer package-lock.json than an install made from the same lock, and `npm ci` through a
# node_modules that is a link to a shared install empties that shared folder for every user of it.
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.aupipe-lock.sha256
if [[ -d node_modules/.bin && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  : # installed from this lock
elif [[ -d node_modules/.bin ]] && npm ls --depth=0 >/dev/null 2>&1; then
  echo "$want" >"$stamp" 2>/dev/null || true # satisfies package.json: remember it
elif [[ -L node_modules ]]; then
  echo "ensure-deps: node_modules links to $(readlink -f node_modules), which does not match package-lock.json;" >&2
  echo "ensure-deps: not running npm ci through the link (it would empty the shared install): run npm ci there, or replace the link" >&2
  exit 1
else
  echo "ensure-deps: installing npm packages" >&2
  npm ci --no-fund --no-audit --loglevel=error >&2
  echo "$want" >"$stamp"
fi
