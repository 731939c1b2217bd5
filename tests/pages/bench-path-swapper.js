// The whole-path benchmark's baseline: a number swapper as a site could write it by hand and
// inline in its <head> (tests/pages/bench-path.mjs). It asks the same edge for a lease as the
// widget does, then, once the page is parsed, walks the text nodes and the tel: links and
// rewrites each printing of the business number digit by digit, keeping its format.
// EDGE_BASE is replaced by the edge's address.
(() => {
  const edge = "EDGE_BASE";
  const visitor = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");
  const lease = fetch(edge + "/v1/lease", {
    method: "POST",
    credentials: "omit",
    // text/plain: a simple CORS request, no preflight (as the widget asks).
    headers: { "content-type": "text/plain;charset=UTF-8" },
    body: JSON.stringify({ site: "demo", visitor, landing_page: location.href }),
  }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`lease answered ${r.status}`))));
  const parsed = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });
  Promise.all([lease, parsed]).then(([grant]) => {
    // A North American number in its common printed forms: (555) 010-0100, 555-010-0100,
    // 555.010.0100, +1 555 010 0100, +15550100100.
    const d = grant.replaces.slice(-10);
    const printed = new RegExp(
      `(?<!\\d)(?:\\+?1[\\s.-]?)?\\(?${d.slice(0, 3)}\\)?[\\s.-]?${d.slice(3, 6)}[\\s.-]?${d.slice(6)}(?!\\d)`, "g");
    const tracking = grant.number.replace(/\D/g, "");
    const rewrite = (m) => {
      const digits = tracking.slice(-m.replace(/\D/g, "").length);
      let i = 0;
      return m.replace(/\d/g, () => digits[i++]);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      const text = node.nodeValue, swapped = text.replace(printed, rewrite);
      if (swapped !== text) node.nodeValue = swapped;
    }
    for (const a of document.querySelectorAll('a[href^="tel:"]')) {
      const href = a.getAttribute("href"), swapped = href.replace(printed, rewrite);
      if (swapped !== href) a.setAttribute("href", swapped);
    }
  }).catch((e) => {
    window.__leaseError = String(e);
  });
})();
