#!/usr/bin/env bash
# wrangler's [build] command: compiles the worker. `make build` runs it once up front;
# tests set RINGTRACE_PREBUILT=1 so that starting wrangler does not rebuild.
set -e
[ "${RINGTRACE_PREBUILT:-}" = "1" ] && [ -f build/index.js ] && exit 0
. ../scripts/env.sh
cd "$ROOT/edge" && exec worker-build --release
