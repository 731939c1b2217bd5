#!/usr/bin/env bash
# Builds the widget into dist/: widget.js (widget/widget.js bundled with wasm-bindgen's glue,
# minified) and ringtrace_widget_bg.wasm.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
out="$ROOT/target/widget"
mkdir -p "$out" dist
cargo build -q -p ringtrace-widget --target wasm32-unknown-unknown --release
# "bundler" output: the glue as an ES module without a loader of its own; widget.js loads the
# wasm (no-modules or web output would add a generic loader, ~0.8 KB gzip).
wasm-bindgen --target bundler --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/release/ringtrace_widget.wasm
# Closure shims, JSPI wakers and panic formatting only the function table still points at
# (see the script): about 3 KB.
node scripts/prune-table.mjs "$out/ringtrace_widget_bg.wasm" "$out/pruned.wasm" >/dev/null
# The features rustc enables by default for wasm32-unknown-unknown.
wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$out/pruned.wasm" -o dist/ringtrace_widget_bg.wasm
# What every visitor's browser will compile: V8 must accept it (a tool that writes a newer
# encoding fails here, not on customers' pages).
node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1])))
  throw new Error("dist/ringtrace_widget_bg.wasm does not validate")' dist/ringtrace_widget_bg.wasm
# One script, minified: every visitor of every customer site downloads it.
esbuild widget/widget.js --bundle --format=iife --minify --target=es2017 --log-level=warning \
  --alias:ringtrace-glue="$out/ringtrace_widget_bg.js" --outfile=dist/widget.js
