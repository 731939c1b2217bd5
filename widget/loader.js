// ringtrace widget loader. Pasted once as
//   <script async src="https://EDGE/widget.js" data-site="SITE"></script>
// Everything lives inside this function: the host page gets no globals and no errors.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof WebAssembly !== "object" || typeof fetch !== "function") return;
  var site = script.getAttribute("data-site");
  if (!site) return;
  // The edge API and the wasm live next to this script.
  var base = script.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
/* wasm-bindgen glue is inserted here by scripts/build-widget.sh */
  try {
    wasm_bindgen({ module_or_path: base + "ringtrace_widget_bg.wasm" })
      .then(function () { wasm_bindgen.start(script, base); })
      .catch(function () { /* e.g. a CSP without 'wasm-unsafe-eval': keep the page as is */ });
  } catch (e) { /* never throw into the host page */ }
})();
