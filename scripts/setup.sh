#!/usr/bin/env bash
# Installs whatever is missing, pinned, from the package registries only (crates.io, npm,
# Debian). Idempotent: a second run checks versions and returns in seconds.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

WASM_BINDGEN_VERSION=0.2.130
WORKER_BUILD_VERSION=0.8.7
TRUNK_VERSION=0.21.14

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
has_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }

# cargo install --locked can fail when a locked dependency is missing from the registry
# snapshot; then install again pinning only the tool's own version.
cargo_install() {
  local crate=$1 version=$2
  say "installing $crate $version (a few minutes, once)"
  cargo install "$crate" --version "$version" --locked || cargo install "$crate" --version "$version"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
has_version wasm-bindgen "$WASM_BINDGEN_VERSION" || cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
has_version worker-build "$WORKER_BUILD_VERSION" || cargo_install worker-build "$WORKER_BUILD_VERSION"
has_version trunk "$TRUNK_VERSION" || cargo_install trunk "$TRUNK_VERSION"

# npm tools (wrangler, binaryen's wasm-opt, esbuild, playwright-core) from package-lock.json.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.ringtrace-lock 2>/dev/null)" != "$lock_sum" ]; then
  say "installing npm tools from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.ringtrace-lock
fi

# From Debian: Chromium and ChromeDriver for the end-to-end tests, and OpenSSL's headers for
# the test harness's WebDriver client (usually already on the machine).
debs=()
[ -x /usr/bin/chromium ] || debs+=(chromium)
[ -x /usr/bin/chromedriver ] || debs+=(chromium-driver)
pkg-config --exists openssl 2>/dev/null || debs+=(libssl-dev pkg-config)
# A test rewrites a stored database as an older version wrote it (Python's sqlite3).
command -v python3 >/dev/null || debs+=(python3)
# The API fuzzer runs in a virtualenv of its own.
python3 -m venv --help >/dev/null 2>&1 || debs+=(python3-venv)
if [ ${#debs[@]} -gt 0 ]; then
  say "installing ${debs[*]} from Debian"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${debs[@]}" >/dev/null
fi

# Schemathesis, the API fuzzer the contract suite runs against the local edge: from PyPI,
# pinned with everything it pulls in (tests/fuzz/schemathesis-requirements.txt).
fuzzer=.tools/schemathesis
req_sum=$(sha256sum tests/fuzz/schemathesis-requirements.txt | cut -d' ' -f1)
if [ "$(cat "$fuzzer/.ringtrace-requirements" 2>/dev/null)" != "$req_sum" ]; then
  say "installing Schemathesis from PyPI into $fuzzer (pinned)"
  rm -rf "$fuzzer"
  python3 -m venv "$fuzzer"
  "$fuzzer/bin/pip" install -q --disable-pip-version-check -r tests/fuzz/schemathesis-requirements.txt
  echo "$req_sum" > "$fuzzer/.ringtrace-requirements"
fi

# Local secrets for wrangler dev (never used in production).
if [ ! -f edge/.dev.vars ]; then
  cp edge/.dev.vars.example edge/.dev.vars
  say "created edge/.dev.vars from edge/.dev.vars.example"
else
  # Settings added to the example since this copy was made (your values are kept).
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    key=${line%%=*}
    if ! grep -q "^$key=" edge/.dev.vars; then
      printf '%s\n' "$line" >> edge/.dev.vars
      say "added $key to edge/.dev.vars (from edge/.dev.vars.example)"
    fi
  done < edge/.dev.vars.example
fi
# This machine's own key for the sites' secrets at rest (32 random bytes, base64).
if grep -q '^SECRETS_KEY=$' edge/.dev.vars; then
  key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  sed -i "s|^SECRETS_KEY=\$|SECRETS_KEY=$key|" edge/.dev.vars
  say "made a SECRETS_KEY for this machine in edge/.dev.vars"
fi
