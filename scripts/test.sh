#!/usr/bin/env bash
# Every test: formatting and lints, the shared core on the host, then the cross-component
# suites (the edge under wrangler dev, end-to-end in headless Chromium). `make test` builds
# the product first.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

bash scripts/lint.sh
say "widget rules in headless Chromium (wasm-bindgen-test)"
# Without the `runtime` feature: the test harness links std and brings its own allocator.
(cd widget && CHROMEDRIVER=$(command -v chromedriver) \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p ringtrace-widget --target wasm32-unknown-unknown --no-default-features --test browser)
say "dashboard form rules on the host (the Settings PATCH body)"
cargo test -p ringtrace-dashboard
say "unit tests (shared) and cross-component suites (tests/)"
# Live (non-zombie) processes of the servers the suites start.
servers() {
  ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 ~ /^(workerd|chromium|chromedriver|chrome_crashpad)/ {print $1}' | sort
}
before=$(servers)
cargo test --workspace --exclude ringtrace-edge --exclude ringtrace-widget --exclude ringtrace-dashboard
# The suites start wrangler/workerd and Chromium; each must stop what it started.
sleep 1
left=$(comm -13 <(echo "$before") <(servers) | paste -sd, -)
if [ -n "$left" ]; then
  echo "tests left processes running:" >&2
  ps -o pid=,comm=,args= -p "$left" >&2 || true
  exit 1
fi
say "no server process left behind"
