// Drives the dashboard's money pages in Debian's Chromium through Playwright as a marketer
// would, and prints what the test asserts on as JSON: the Spend page's preview of an upload
// with a bad cell, then a good upload imported and the Spend table (and a day of it deleted);
// the Google Ads file; the
// report's spend, cost and return columns (and its CSV); a call's value saved (after a refused
// one) and the ad ids of a clicked call; the overview's spend cards and cost-per-week chart.
// The API answers the pages were built from are printed too. Screenshots into <shots>.
// Usage: node tests/pages/money.mjs <edge-base> <site> <token> <shots-dir> <plan-json>
// where the plan is {"bad": csv, "good": csv, "valued": call id, "clicked": call id,
// "deleteDay": the day whose spend is deleted}. The bad upload is pasted, the good one chosen
// as a file.
import { launch } from "./chromium.mjs";
import { mkdirSync, readFileSync } from "node:fs";

const [base, site, token, shots, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const out = { thrown: [], console: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => out.thrown.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.text()); });
  const shot = (what) => page.screenshot({ path: `${shots}/dashboard-${what}.png`, fullPage: true });
  const answer = (method, path) => page.waitForResponse((r) =>
    r.request().method() === method && new URL(r.url()).pathname === `/v1/sites/${site}${path}`);
  const text = (selector) => page.textContent(selector);
  await page.goto(`${base}/dashboard/`, { waitUntil: "load" });
  await page.waitForSelector("input[name=token]");
  await page.fill("input[name=site]", site);
  await page.fill("input[name=token]", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(".stats");

  // The Spend page: an upload with one bad cell is previewed with the cell marked, its message
  // under it, and Import disabled.
  await page.click("nav.tabs a:has-text('Spend')");
  await page.waitForSelector(".spend-list table, .spend-list .empty");
  await page.fill("#spend-text", plan.bad);
  await page.waitForSelector("table.preview [aria-invalid=true]");
  const preview = async () => ({
    summary: await text(".spend-preview .summary"),
    problems: await page.$$eval(".spend-problems li", (li) => li.map((x) => x.textContent)),
    invalid: await page.$$eval("table.preview [aria-invalid=true]", (cells) => cells.map((cell) => ({
      tag: cell.tagName.toLowerCase(), row: cell.closest("tr").dataset.row ?? null, column: cell.dataset.column ?? null,
      value: cell.querySelector(".cell-value")?.textContent ?? null,
      error: cell.querySelector(".cell-error")?.textContent ?? null,
      describedBy: document.getElementById(cell.getAttribute("aria-describedby") || "")?.textContent ?? null,
      title: cell.getAttribute("title"),
    }))),
    rows: await page.$$eval("table.preview tbody tr", (r) => r.length),
    file: await page.$eval(".file-note", (n) => n.textContent).catch(() => null),
    importDisabled: await page.$eval("button.import", (b) => b.disabled),
  });
  out.bad = await preview();
  await shot("spend-preview-error");
  // Fixed, as a file chosen: it is imported; the Spend table shows it by month and campaign.
  await page.setInputFiles("#spend-file", { name: "spend.csv", mimeType: "text/csv", buffer: Buffer.from(plan.good) });
  await page.waitForFunction(() => document.querySelector(".spend-preview .summary")?.textContent.includes("to import"));
  out.good = await preview();
  const [uploaded] = await Promise.all([answer("POST", "/spend"), page.click("button.import")]);
  out.upload = { status: uploaded.status(), body: await uploaded.json(), type: uploaded.request().headers()["content-type"],
    sent: uploaded.request().postData() };
  await page.waitForSelector(".import-result");
  out.imported = await text(".import-result");
  await page.waitForSelector("table.spend-table tbody tr");
  out.spendTable = {
    head: await page.$$eval("table.spend-table thead th", (t) => t.map((x) => x.textContent)),
    rows: await page.$$eval("table.spend-table tbody tr", (r) => r.map((tr) => [...tr.children].map((td) => td.textContent))),
    total: await text("table.spend-table tfoot td.spend"),
    previewGone: (await page.$(".spend-preview")) === null,
  };
  await shot("spend-imported");
  // The Google Ads file, saved as the edge wrote it.
  const [ads] = await Promise.all([page.waitForEvent("download"), page.click("button:has-text('Download for Google Ads')")]);
  out.googleAds = { name: ads.suggestedFilename(), text: readFileSync(await ads.path(), "utf8") };

  // The report by campaign: spend, costs and returns, or why a group has none.
  const [reportAnswer] = await Promise.all([
    answer("GET", "/report"),
    page.goto(`${base}/dashboard/#/report?by=campaign`, { waitUntil: "load" }),
  ]);
  out.reportApi = await reportAnswer.json();
  await page.waitForSelector("table.report tbody tr");
  out.report = {
    head: await page.$$eval("table.report thead th", (t) => t.map((x) => [x.dataset.column ?? null, x.textContent])),
    rows: await page.$$eval("table.report tbody tr", (r) => r.map((tr) => ({
      key: tr.dataset.key,
      cells: Object.fromEntries(["spend", "cost-per-call", "cost-per-qualified", "revenue", "roas", "roi"].map((c) => {
        const td = tr.querySelector(`td.${c}`);
        return [c, { text: td.textContent, title: td.getAttribute("title"), undefined: td.classList.contains("undefined") }];
      })),
    }))),
  };
  const [reportCsv] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
  out.reportCsv = readFileSync(await reportCsv.path(), "utf8").replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  await shot("report-money");

  // A call's value: a bad amount refused beside its field, then saved; the page shows it.
  await page.goto(`${base}/dashboard/#/calls/${plan.valued}`, { waitUntil: "load" });
  await page.waitForSelector("form.call-value");
  // The label names the site's currency once its settings have loaded.
  await page.waitForFunction(() => document.querySelector("label[for=f-value]")?.textContent.includes("("))
    .catch(() => {});
  out.valueLabel = await text("label[for=f-value]");
  await page.fill("#f-value", "12,50");
  const [refused] = await Promise.all([answer("PATCH", `/calls/${plan.valued}`), page.click("form.call-value button[type=submit]")]);
  await page.waitForSelector("#f-value-error");
  out.refusedValue = { status: refused.status(), error: await text("#f-value-error"),
    invalid: await page.getAttribute("#f-value", "aria-invalid"), alert: await text("form.call-value [role=alert]") };
  await page.fill("#f-value", "90");
  await page.selectOption("#f-converted", "yes");
  await page.fill("#f-note", "Booked a boiler service");
  const [patched] = await Promise.all([answer("PATCH", `/calls/${plan.valued}`), page.click("form.call-value button[type=submit]")]);
  out.patch = { status: patched.status(), sent: JSON.parse(patched.request().postData()), body: await patched.json() };
  await page.waitForFunction(() => [...document.querySelectorAll(".timeline li")].some((li) => li.textContent.includes("Updated")));
  await page.waitForSelector("form.call-value .saved");
  const facts = () => page.$eval(".grid2 .card dl.facts", (dl) =>
    Object.fromEntries([...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  out.valued = {
    saved: await text("form.call-value .saved"),
    facts: await facts(),
    timeline: await page.$$eval(".timeline li", (li) => li.map((x) => x.textContent)),
    inputs: { value: await page.inputValue("#f-value"), converted: await page.inputValue("#f-converted"),
      note: await page.inputValue("#f-note") },
    errorGone: (await page.$("#f-value-error")) === null,
  };
  await shot("call-value");
  // A call from a Google ad click: the click id of its visit.
  await page.goto(`${base}/dashboard/#/calls/${plan.clicked}`, { waitUntil: "load" });
  await page.waitForSelector(".ad-ids dl");
  out.adIds = await page.$eval(".ad-ids dl", (dl) =>
    Object.fromEntries([...dl.querySelectorAll("dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));

  // The overview: spend, cost per call and revenue; cost per call by week, gaps without spend.
  const [overviewAnswer] = await Promise.all([
    answer("GET", "/overview"),
    page.goto(`${base}/dashboard/#/overview`, { waitUntil: "load" }),
  ]);
  out.overviewApi = await overviewAnswer.json();
  await page.waitForSelector(".stats.money");
  await page.waitForSelector(".cost-per-week svg");
  out.overview = {
    cards: Object.fromEntries(await page.$$eval(".stats.money .stat", (cards) =>
      cards.map((c) => [c.dataset.stat, { value: c.querySelector(".value").textContent, change: c.querySelector(".change").textContent }]))),
    weeks: await page.$$eval(".cost-per-week svg rect[data-week]", (r) =>
      r.map((x) => ({ week: x.dataset.week, kind: x.getAttribute("class"), title: x.querySelector("title").textContent,
        label: document.querySelector(`.week-labels li[data-week='${x.dataset.week}'] strong`)?.textContent ?? null }))),
    summary: await page.getAttribute(".cost-per-week svg", "aria-label"),
  };
  await shot("overview-money");

  // One day's spend deleted, once confirmed: the table loses it.
  await page.click("nav.tabs a:has-text('Spend')");
  await page.waitForSelector("table.spend-table tfoot td.spend");
  await page.click(".delete-spend summary");
  await page.fill("input[name=delete_from]", plan.deleteDay);
  await page.fill("input[name=delete_to]", plan.deleteDay);
  page.once("dialog", (d) => { out.deleteConfirm = d.message(); d.accept(); });
  const [deleted] = await Promise.all([answer("DELETE", "/spend"), page.click("button:has-text('Delete spend in these dates')")]);
  out.deleted = { status: deleted.status(), query: Object.fromEntries(new URL(deleted.url()).searchParams), body: await deleted.json() };
  await page.waitForSelector(".delete-spend .saved");
  out.deleted.said = await text(".delete-spend .saved");
  await page.waitForFunction((before) => document.querySelector("table.spend-table tfoot td.spend")?.textContent !== before,
    out.spendTable.total);
  out.deleted.total = await text("table.spend-table tfoot td.spend");

  // Settings: the money section shows the site's currency.
  await page.click("nav.tabs a:has-text('Settings')");
  await page.waitForSelector("fieldset[data-section=money]");
  out.settingsCurrency = await page.inputValue("#f-currency");
  await page.locator("fieldset[data-section=money]").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/dashboard-settings-money.png` });
  await context.close();
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
