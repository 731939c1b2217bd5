// `make bench`'s whole-path figure, in Debian's Chromium through Playwright. Prints JSON.
// Usage: node tests/pages/bench-path.mjs <widget-page-url> <baseline-page-url> <edge-base> <runs>
// The same page of 10,000 elements with 20 printings of the business number (each a text and a
// tel: link) twice: with the widget's script tag, and with a hand-written swapper inline
// (bench-path-swapper.js). Each load is a new browser context (a new visitor); the two alternate,
// after one untimed load of each. Per variant, medians of:
//  - swapped_ms: navigation start to all 20 printings swapped (bench-path-watch.js);
//  - lease_start_ms / lease_end_ms: the lease request asked / answered (resource timing);
//  - parsed_ms: DOMContentLoaded; painted_ms: first paint;
//  - for the widget script_end_ms and wasm_end_ms: widget.js and the wasm arrived (the wasm
//    compiles as it streams in);
//  - tail_ms: from the last of what the swap waits for (lease, parsed page, wasm) to swapped.
// A lease that fails, or that is not a number of its own (shared, overflow, limited), stops the
// benchmark; each lease is released after its load, so 2 × runs loads fit the demo site's pool.
import { chromium } from "playwright-core";

const [ours, baseline, edge, runs] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-blink-features=AutomationControlled"],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// One page load: its timings, once its lease is checked and released.
async function load(url) {
  const context = await browser.newContext({
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  });
  try {
    const page = await context.newPage();
    const thrown = [];
    page.on("pageerror", (e) => thrown.push(String(e.stack || e)));
    const leases = [];
    page.on("response", (r) => {
      if (r.request().method() === "POST" && r.url() === `${edge}/v1/lease`) leases.push(r);
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.__swappedAt !== undefined || window.__leaseError, null, { timeout: 15000 })
      .catch(() => {});
    const why = () => `${url}: page errors: ${thrown.join(" | ") || "none"}`;
    if (leases.length !== 1) throw new Error(`${leases.length} lease requests, not 1; ${why()}`);
    const grant = await leases[0].json().catch(() => null);
    if (leases[0].status() !== 200 || !grant) {
      throw new Error(`lease failed: ${leases[0].status()} ${await leases[0].text().catch(() => "")}; ${why()}`);
    }
    if (grant.shared || grant.overflow || grant.limited || grant.number === grant.replaces) {
      throw new Error(`not a number of the visitor's own (the pool ran dry?): ${JSON.stringify(grant)}`);
    }
    const visitor = leases[0].request().postDataJSON().visitor;
    const r = await page.evaluate(async ({ edge, grant, visitor }) => {
      const entry = (part) => performance.getEntriesByType("resource").find((e) => e.name.endsWith(part));
      const nav = performance.getEntriesByType("navigation")[0];
      const lease = entry("/v1/lease"), script = entry("/widget.js"), wasm = entry(".wasm");
      const tail = grant.number.slice(-10);
      const wrong = [...document.getElementsByClassName("phone")].filter((a) =>
        !a.textContent.replace(/\D/g, "").endsWith(tail) || !a.getAttribute("href").replace(/\D/g, "").endsWith(tail));
      const released = await fetch(`${edge}/v1/lease/release`, {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body: JSON.stringify({ site: "demo", visitor, lease_id: grant.lease_id }),
      }).then((r) => r.status, (e) => String(e));
      return {
        swapped_ms: window.__swappedAt,
        lease_error: window.__leaseError,
        unswapped: wrong.map((a) => a.outerHTML),
        released,
        lease_start_ms: lease.startTime,
        lease_end_ms: lease.responseEnd,
        parsed_ms: nav.domContentLoadedEventStart,
        painted_ms: performance.getEntriesByName("first-paint")[0]?.startTime,
        script_end_ms: script ? script.responseEnd : null,
        wasm_end_ms: wasm ? wasm.responseEnd : null,
        // From the last of what the swap waits for (the lease, the parsed page, the wasm) to
        // every printing swapped.
        tail_ms: window.__swappedAt - Math.max(lease.responseEnd, nav.domContentLoadedEventStart, wasm ? wasm.responseEnd : 0),
      };
    }, { edge, grant, visitor });
    if (r.lease_error) throw new Error(`lease: ${r.lease_error}; ${why()}`);
    if (r.swapped_ms === undefined || r.unswapped.length) {
      throw new Error(`not every printing shows ${grant.number}: ${r.unswapped.join(" ")}; ${why()}`);
    }
    if (r.released !== 200) throw new Error(`releasing the lease: ${r.released}`);
    return { ...r, number: grant.number };
  } finally {
    await context.close();
  }
}

try {
  const variants = { ours, baseline };
  const samples = { ours: [], baseline: [] };
  for (const url of Object.values(variants)) await load(url);
  for (let i = 0; i < Number(runs); i++) {
    for (const [name, url] of Object.entries(variants)) samples[name].push(await load(url));
  }
  const out = {};
  for (const [name, loads] of Object.entries(samples)) {
    out[name] = {};
    for (const key of Object.keys(loads[0]).filter((k) => k.endsWith("_ms"))) {
      const values = loads.map((l) => l[key]).filter(Number.isFinite);
      if (values.length) out[name][key] = median(values);
    }
    // Every load, for a look at the spread and at which numbers the pool lent.
    out[name].loads = loads.map((l) => [Math.round(l.swapped_ms * 10) / 10, l.number]);
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
