#!/usr/bin/env bash
# `make fuzz` (also the end of `make bench`): cargo-fuzz on shared's parsers, each target for
# FUZZ_SECS seconds (default 20), and its figures. A crash stops the run: its input is kept in
# shared/fuzz/regressions/<target>/, which `make test` replays (shared::fuzz_checks).
# libFuzzer without a sanitizer (the checks assert the properties themselves), on the stable
# toolchain with RUSTC_BOOTSTRAP (the machine has no other), so nothing is downloaded.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
secs=${FUZZ_SECS:-20}
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz from crates.io"
  cargo install --locked cargo-fuzz >/dev/null 2>&1
fi
cd shared/fuzz
mkdir -p corpus
echo "fuzzing shared's parsers (libFuzzer, ${secs} s per target)"
printf '  %-16s %12s %10s %8s %8s\n' target executions "exec/s" coverage corpus
for target in traffic_source phone_numbers twilio_form signatures; do
  log=$(mktemp)
  if ! RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" -- \
        -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
    mkdir -p "regressions/$target"
    cp artifacts/"$target"/* "regressions/$target/" 2>/dev/null || true
    grep -m1 -A3 "panicked at" "$log" || tail -20 "$log"
    echo "[fuzz] $target failed; its input is kept in shared/fuzz/regressions/$target/ (make test replays it)" >&2
    rm -f "$log"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1)
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  printf '  %-16s %12s %10s %8s %8s\n' "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${corp:-?}"
  rm -f "$log"
done
echo "  0 crashes; inputs found earlier: $(find regressions -type f | wc -l) (replayed by make test)"
