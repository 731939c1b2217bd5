#!/usr/bin/env bash
# Builds the widget into dist/: widget.js (widget/widget.js with the wasm-bindgen glue inside)
# and its wasm.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
out="$ROOT/target/widget"
mkdir -p "$out" dist
cargo build -q -p ringtrace-widget --target wasm32-unknown-unknown --release
wasm-bindgen --target no-modules --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/release/ringtrace_widget.wasm
# Closure shims only js-sys's API descriptions pointed at (see the script): 4.5 KB.
node scripts/prune-table.mjs "$out/ringtrace_widget_bg.wasm" "$out/pruned.wasm" >/dev/null
# The features rustc enables by default for wasm32-unknown-unknown.
wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$out/pruned.wasm" -o dist/ringtrace_widget_bg.wasm
# What every visitor's browser will compile: V8 must accept it (a tool that writes a newer
# encoding fails here, not on customers' pages).
node -e 'if (!WebAssembly.validate(require("fs").readFileSync(process.argv[1])))
  throw new Error("dist/ringtrace_widget_bg.wasm does not validate")' dist/ringtrace_widget_bg.wasm
node -e '
  const fs = require("fs");
  const [host, glue, target] = process.argv.slice(1);
  const marker = "/* wasm-bindgen glue is inserted here by scripts/build-widget.sh */";
  const src = fs.readFileSync(host, "utf8");
  if (!src.includes(marker)) throw new Error("widget.js has no glue marker");
  fs.writeFileSync(target, src.replace(marker, fs.readFileSync(glue, "utf8")));
' widget/widget.js "$out/ringtrace_widget.js" "$out/widget.js"
# Minified: every visitor of every customer site downloads this file.
esbuild "$out/widget.js" --minify --target=es2017 --log-level=warning --outfile=dist/widget.js
