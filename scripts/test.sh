#!/usr/bin/env bash
# Every test: the shared core on the host, then the cross-component suites (the edge under
# wrangler dev, end-to-end in headless Chromium). Expects `make build` to have run.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo test --workspace --exclude ringtrace-edge --exclude ringtrace-widget --exclude ringtrace-dashboard
