// Opens one page in Debian's Chromium through Playwright, waits, and prints what the test
// asserts on as JSON: the page's own `window.__facts()`, errors thrown into the page, console
// warnings and errors, the requests it made to the ringtrace edge (paths, and with their
// bodies), and what it stored.
// Usage: node tests/pages/check.mjs <url> <wait-ms> [user-agent]
import { chromium } from "playwright-core";

const [url, waitMs, userAgent] = process.argv.slice(2);
const person =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    // A person's browser does not set navigator.webdriver (the widget skips those that do).
    "--disable-blink-features=AutomationControlled",
  ],
});
try {
  const page = await browser.newPage({ userAgent: userAgent || person });
  const thrown = [];
  const console_ = [];
  const edge = [];
  const sent = []; // each request to the edge: its path and body

  page.on("pageerror", (e) => thrown.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console_.push(`${m.type()}: ${m.text()}`);
  });
  page.on("request", (r) => {
    if (r.url().includes("/v1/")) {
      edge.push(new URL(r.url()).pathname);
      sent.push({ path: new URL(r.url()).pathname, body: r.postData() || null });
    }
  });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForTimeout(Number(waitMs));
  const facts = await page.evaluate(() => (window.__facts ? window.__facts() : null));
  // The visitor id the widget keeps: cookie lifetime in days from now, and localStorage.
  const cookies = (await page.context().cookies())
    .filter((c) => c.name.startsWith("ringtrace"))
    .map((c) => ({ name: c.name, days: Math.round((c.expires * 1000 - Date.now()) / 86400000) }));
  const storage = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("ringtrace")).sort());
  console.log(JSON.stringify({ facts, thrown, console: console_, edge, sent, cookies, storage }));
} finally {
  await browser.close();
}
