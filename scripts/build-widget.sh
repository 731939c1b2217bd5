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
# The features rustc enables by default for wasm32-unknown-unknown. `--converge` repeats -Oz
# while it still shrinks; the producers and target-features sections are for tools, not
# browsers (0.2 KB gzip); `--low-memory-unused` lets addresses fold into load offsets (0.1 KB):
# rustc's layout keeps the low KB unused (the stack grows down from 1 MiB, data and heap
# lie above it).
wasm-opt -Oz --converge --low-memory-unused --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$out/pruned.wasm" -o "$out/optimized.wasm"
# One- or two-letter names for what only the wasm and its glue call (see the script): 0.8 KB
# gzip over the two files.
node scripts/shorten-names.mjs "$out/optimized.wasm" dist/ringtrace_widget_bg.wasm \
  "$out/ringtrace_widget_bg.js" "$out/glue.js" >/dev/null
# What every visitor's browser will compile: V8 must accept it (a tool that writes a newer
# encoding fails here, not on customers' pages).
node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1])))
  throw new Error("dist/ringtrace_widget_bg.wasm does not validate")' dist/ringtrace_widget_bg.wasm
# One script: every visitor of every customer site downloads it. esbuild bundles (the glue
# inlined) and minifies; terser's compressor then goes further (0.2 KB gzip) and writes
# arrow functions where a function uses neither `this` nor `arguments` (0.15 KB: nothing in
# the widget or the glue constructs them with `new`). ES2017: every browser with
# WebAssembly.
esbuild widget/widget.js --bundle --format=iife --minify --target=es2017 --log-level=warning \
  --alias:ringtrace-glue="$out/glue.js" --outfile="$out/widget.js"
terser "$out/widget.js" --ecma 2017 --compress passes=3,unsafe_arrows=true,ecma=2017 --mangle \
  --output dist/widget.js
