#!/usr/bin/env bash
# `make bench`: prints the benchmark figures (see tests/src/bin/bench.rs).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo run -q --release -p ringtrace-tests --bin bench
