#!/usr/bin/env bash
# Formatting and lints (also run by scripts/test.sh): host crates, then the wasm32 crates.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
say() { printf '\033[1m[lint]\033[0m %s\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check
say "clippy (host crates, then the three wasm32 crates)"
cargo clippy -q --workspace --all-targets \
  --exclude ringtrace-edge --exclude ringtrace-widget --exclude ringtrace-dashboard -- -D warnings
cargo clippy -q -p ringtrace-edge -p ringtrace-dashboard --target wasm32-unknown-unknown -- -D warnings
# Alone: the widget is no_std, and building it with the others would unify `serde` (and
# with it `std`-only code) into its phone-number crate.
cargo clippy -q -p ringtrace-widget --target wasm32-unknown-unknown -- -D warnings
# The phone-number crate as the widget links it: no_std, no serde.
cargo clippy -q -p ringtrace-phone --target wasm32-unknown-unknown -- -D warnings
