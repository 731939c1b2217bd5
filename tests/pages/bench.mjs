// `make bench`'s widget speed figures, in Debian's Chromium through Playwright. Prints JSON.
// Usage: node tests/pages/bench.mjs <page-url> <runs>
//  - visible_ms: from the widget script starting to download to the tracking number being in
//    the page (a page with 10,000 elements and 20 printings of the number);
//  - swap_ms: one swap pass alone over a fresh copy of that page's body (`ringtrace.swap`),
//    against walk_ms, a bare JavaScript TreeWalker pass reading every text node of it;
//  - observer_ms: the widget's work after 1,000 nodes (one with the number) are inserted,
//    from the insertion to its swap event less its 50 ms batching delay, against insert_ms,
//    the insertion itself.
import { chromium } from "playwright-core";

const [url, runs] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-blink-features=AutomationControlled"],
});
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = { visible_ms: [], swap_ms: [], walk_ms: [], observer_ms: [], insert_ms: [] };
try {
  for (let i = 0; i < Number(runs); i++) {
    const context = await browser.newContext({
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    });
    const page = await context.newPage();
    const thrown = [];
    page.on("pageerror", (e) => thrown.push(String(e.stack || e)));
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.__visibleAt !== undefined, null, { timeout: 15000 });
    const r = await page.evaluate(async () => {
      const script = performance.getEntriesByType("resource").find((e) => e.name.includes("widget.js"));
      const visible = window.__visibleAt - script.startTime;
      const copy = window.__original.cloneNode(true);
      let t = performance.now();
      const walker = document.createTreeWalker(copy.cloneNode(true), NodeFilter.SHOW_TEXT);
      let chars = 0;
      while (walker.nextNode()) chars += walker.currentNode.nodeValue.length;
      const walk = performance.now() - t;
      t = performance.now();
      const swapped = ringtrace.swap(copy);
      const swap = performance.now() - t;
      if (swapped < 20 || chars === 0) throw new Error(`swap pass found ${swapped}`);
      const done = Promise.race([
        new Promise((resolve) => ringtrace.on("swap", resolve)),
        new Promise((_, reject) => setTimeout(() => reject(new Error("no swap after inserting")), 10000)),
      ]);
      t = performance.now();
      const box = document.createElement("div");
      for (let k = 0; k < 1000; k++) {
        const li = document.createElement("p");
        li.textContent = k === 500 ? "Call (555) 010-0100" : `Item ${k}: in stock, ships today`;
        box.appendChild(li);
      }
      document.body.appendChild(box);
      const inserted = performance.now() - t;
      await done;
      const observer = performance.now() - t - inserted - 50;
      return { visible, swap, walk, observer, inserted };
    }).catch((e) => {
      throw new Error(`${e.message}; page errors: ${thrown.join(" | ")}`);
    });
    samples.visible_ms.push(r.visible);
    samples.swap_ms.push(r.swap);
    samples.walk_ms.push(r.walk);
    samples.observer_ms.push(r.observer);
    samples.insert_ms.push(r.inserted);
    await context.close();
  }
  const out = {};
  for (const [k, v] of Object.entries(samples)) out[k] = median(v);
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
