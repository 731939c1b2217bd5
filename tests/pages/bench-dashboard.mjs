// `make bench`'s dashboard figures, in Debian's Chromium through Playwright. Prints JSON.
// Usage: node tests/pages/bench-dashboard.mjs <edge-base> <site> <token> <runs>
//  - overview_ms / calls_ms: from navigation start (a reload, signed in) to the overview's
//    cards, or the calls table's first rows, on screen; medians of <runs> loads.
import { chromium } from "playwright-core";

const [base, site, token, runs] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = { overview_ms: [], calls_ms: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/dashboard/`, { waitUntil: "load" });
  await page.fill("input[name=site]", site);
  await page.fill("input[name=token]", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(".stats", { timeout: 60000 });
  const timeTo = async (hash, selector) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.reload({ waitUntil: "commit" });
    await page.waitForFunction((s) => document.querySelector(s) && (window.__seen = performance.now()), selector,
      { polling: "raf", timeout: 60000 });
    return page.evaluate(() => window.__seen);
  };
  for (let i = 0; i < Number(runs); i++) {
    samples.overview_ms.push(await timeTo("#/overview", ".stats"));
    samples.calls_ms.push(await timeTo("#/calls", "table.calls tbody tr"));
  }
  const out = {};
  for (const [k, v] of Object.entries(samples)) out[k] = median(v);
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
