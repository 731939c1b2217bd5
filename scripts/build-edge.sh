#!/usr/bin/env bash
# wrangler's [build] command (also run by `make build`): compiles the worker with worker-build,
# unless edge/build is newer than every source it is built from. So `wrangler dev` starts at
# once after `make build`, and rebuilds when edge/ or shared/ change while it runs.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
stamp=edge/build/index.js
if [ -f "$stamp" ] && [ -z "$(find edge/src edge/Cargo.toml shared/src shared/Cargo.toml shared/phone Cargo.toml Cargo.lock \
     -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
cd edge && worker-build --release
