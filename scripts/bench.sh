#!/usr/bin/env bash
# `make bench`: prints the benchmark figures (see tests/src/bin/bench.rs).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo run -q --release -p ringtrace-tests --bin bench
# The API fuzzer, longer than `make test` runs it: 100 examples per operation.
echo "API fuzzing (Schemathesis, 100 examples per operation)"
FUZZ_EXAMPLES=100 cargo test -q -p ringtrace-tests --test tests -- api_contract::schemathesis --nocapture 2>&1 \
  | grep -E "^schemathesis,|test result|panicked"
