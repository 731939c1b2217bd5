#!/usr/bin/env bash
# Builds the three Wasm targets into what `wrangler dev` serves: dist/ (demo page, widget,
# dashboard) and edge/build (the worker). Cargo and Trunk skip what is up to date.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
say() { printf '\033[1m[build]\033[0m %s\n' "$*"; }

mkdir -p dist
cp edge/demo/index.html edge/demo/consent.html dist/
cp edge/demo/_headers dist/_headers
say "widget"
bash scripts/build-widget.sh
say "dashboard"
trunk build --release --quiet
say "edge worker"
mkdir -p target
bash scripts/build-edge.sh > target/edge-build.log 2>&1 || { cat target/edge-build.log; exit 1; }
