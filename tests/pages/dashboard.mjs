// Drives the dashboard in Debian's Chromium through Playwright the way a marketer would, and
// prints what the test asserts on as JSON: what each page shows, and the API answers those
// pages were built from (to check they agree). Saves a screenshot of each page at desktop and
// phone widths into <shots>.
// Usage: node tests/pages/dashboard.mjs <edge-base> <site> <token> <shots-dir>
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";

const [base, site, token, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const out = { thrown: [], console: [] };
const api = {}; // the last JSON answer of each API path the dashboard fetched
try {
  for (const [width, name] of [[1280, "desktop"], [390, "phone"]]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on("pageerror", (e) => out.thrown.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.text()); });
    page.on("response", async (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith("/v1/sites/") || u.searchParams.get("format") === "csv") return;
      const key = u.pathname.replace(`/v1/sites/${site}`, "") || "/";
      try { api[key] = { status: r.status(), query: Object.fromEntries(u.searchParams), body: await r.json() }; } catch {}
    });
    const shot = (what) => page.screenshot({ path: `${shots}/dashboard-${what}-${name}.png`, fullPage: true });
    await page.goto(`${base}/dashboard/`, { waitUntil: "load" });
    await page.waitForSelector("input[name=token]");
    if (name === "desktop") {
      // A wrong token is refused, in words.
      await page.fill("input[name=site]", site);
      await page.fill("input[name=token]", "wrong-token-wrong-token");
      await page.click("button[type=submit]");
      await page.waitForSelector("form.login [role=alert]");
      out.wrongToken = await page.textContent("form.login [role=alert]");
      await shot("sign-in");
    }
    await page.fill("input[name=site]", site);
    await page.fill("input[name=token]", token);
    await page.click("button[type=submit]");
    await page.waitForSelector(".stats");
    await page.waitForSelector(".chart svg");
    if (name === "desktop") {
      out.cards = Object.fromEntries(await page.$$eval(".stat", (cards) =>
        cards.map((c) => [c.dataset.stat, c.querySelector(".value").textContent])));
      out.overviewApi = api["/overview"];
      out.topSources = await page.$$eval(".ranked", (f) => f[0].getAttribute("aria-label") || f[0].querySelector("svg")?.getAttribute("aria-label"));
    }
    await shot("overview");

    // The calls, filtered through the URL (as a shared link would open them).
    await page.goto(`${base}/dashboard/#/calls?channel=paid%20search&status=answered`, { waitUntil: "load" });
    await page.waitForSelector("table.calls tbody tr");
    if (name === "desktop") {
      out.filtered = {
        rows: await page.$$eval("table.calls tbody tr", (r) => r.length),
        channels: await page.$$eval("table.calls tbody td.channel", (c) => [...new Set(c.map((x) => x.textContent))]),
        statuses: await page.$$eval("table.calls tbody td.status", (c) => [...new Set(c.map((x) => x.textContent))]),
        qualified: await page.$$eval("table.calls tbody td.qualified", (c) => c.filter((x) => x.textContent === "yes").length),
        pager: await page.textContent(".pager span"),
        api: api["/calls"],
      };
      // The CSV holds exactly what is filtered, every page of it.
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
      const csv = readFileSync(await download.path(), "utf8").trim().split(/\r?\n/);
      const columns = csv[0].split(",");
      const at = (name) => columns.indexOf(name);
      // Rows of this export hold no quoted commas before the answered column's neighbours
      // only when simple; check the channel and answered columns from the end, where no text
      // field sits after them but tags and recording.
      out.csv = { lines: csv.length, header: csv[0], paidSearchAnswered: csv.slice(1).every((l) => {
        const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, ""));
        return cells[at("channel")] === "paid search" && cells[at("answered")] === "true";
      }) };
      // A filter changed in the page changes the table and the URL.
      const [emailAnswer] = await Promise.all([
        page.waitForResponse((r) => r.url().includes("/calls?") && r.url().includes("channel=email")),
        page.selectOption("select[name=channel]", "email"),
      ]);
      await page.waitForFunction(() => location.hash.includes("channel=email"));
      await page.waitForFunction(() => [...document.querySelectorAll("table.calls tbody td.channel")].every((c) => c.textContent === "email"));
      out.email = { hash: await page.evaluate(() => location.hash), api: (await emailAnswer.json()).total,
        pager: await page.textContent(".pager span") };
      // Sorting by talk time, longest first.
      await page.click("th button:has-text('Talk time')");
      await page.waitForFunction(() => location.hash.includes("sort=talk_time"));
      await page.waitForTimeout(300);
      out.sortedTalk = await page.$$eval("table.calls tbody td.num", (c) => c.map((x) => x.textContent));
    }
    await shot("calls");

    // One call's detail: its attribution.
    await page.goto(`${base}/dashboard/#/calls?channel=paid%20search`, { waitUntil: "load" });
    await page.waitForSelector("table.calls tbody tr td a");
    const sid = await page.getAttribute("table.calls tbody tr", "data-call-sid");
    await page.click("table.calls tbody tr td a");
    await page.waitForSelector(".attribution dl");
    if (name === "desktop") {
      out.detail = { sid, hash: await page.evaluate(() => location.hash),
        attribution: await page.textContent(".attribution"), api: api[`/calls/${sid}`]?.body?.call };
    }
    await shot("call");
    // The attribution report, two levels deep, sorted by qualified calls.
    await page.goto(`${base}/dashboard/#/report?by=channel&then=campaign&rsort=qualified`, { waitUntil: "load" });
    await page.waitForSelector("table.report tbody tr");
    if (name === "desktop") {
      out.report = {
        rows: await page.$$eval("table.report tbody tr", (r) => r.map((tr) => [...tr.children].map((td) => td.textContent))),
        api: api["/report"],
      };
    }
    await shot("report");
    // The numbers: state, holder, calls, sizing.
    await page.goto(`${base}/dashboard/#/numbers`, { waitUntil: "load" });
    await page.waitForSelector("table.numbers tbody tr");
    if (name === "desktop") {
      out.numbers = {
        rows: await page.$$eval("table.numbers tbody tr", (r) => r.map((tr) => [...tr.children].map((td) => td.textContent))),
        advice: await page.textContent(".advice"),
        api: api["/pool"],
      };
    }
    await shot("numbers");
    await page.click("nav.tabs a:has-text('Install')");
    await page.waitForSelector("pre.tag");
    if (name === "desktop") out.tag = await page.textContent("pre.tag");
    await shot("install");
    // Settings: a bad value is refused beside its field and saves nothing; good ones are saved.
    await page.click("nav.tabs a:has-text('Settings')");
    await page.waitForSelector("form.settings-form");
    if (name === "desktop") {
      const s = {};
      const save = () => page.click("button[type=submit]:has-text('Save settings')");
      // Saving the form untouched changes nothing the edge stores.
      s.untouchedBefore = (api["/settings"] || {}).body;
      await save();
      await page.waitForSelector(".save-bar .saved");
      s.untouchedAfter = (api["/settings"] || {}).body;
      await page.waitForSelector("#f-lease_minutes");
      const poolRegion = "fieldset[data-section=pool] tbody tr:first-child input[aria-label=Region]";
      await page.fill("#f-lease_minutes", "0");
      await save();
      await page.waitForSelector("#f-lease_minutes-error");
      s.leaseError = await page.textContent("#f-lease_minutes-error");
      s.leaseInvalid = await page.getAttribute("#f-lease_minutes", "aria-invalid");
      s.alert = await page.textContent(".save-bar [role=alert]");
      await shot("settings-error");
      await page.fill("#f-lease_minutes", "20");
      await page.fill(poolRegion, "Texas");
      await save();
      await page.waitForSelector("fieldset[data-section=pool] .error-row .field-error");
      s.regionError = await page.textContent("fieldset[data-section=pool] .error-row .field-error");
      s.regionInvalid = await page.getAttribute(poolRegion, "aria-invalid");
      s.leaseErrorGone = (await page.$("#f-lease_minutes-error")) === null;
      await page.fill(poolRegion, "us-tx");
      await page.fill("#f-keywords", "Estimate\nemergency, after hours");
      await page.click("text=Add a static number");
      const rule = "fieldset[data-section=static] tbody tr:last-child";
      await page.fill(`${rule} input[aria-label='Static number']`, "+1 555 010 0301");
      await page.selectOption(`${rule} select[aria-label=Channel]`, "paid social");
      await page.fill(`${rule} input[aria-label=utm_source]`, "Facebook");
      await save();
      await page.waitForSelector(".save-bar .saved");
      s.saved = await page.textContent(".save-bar .saved");
      await page.reload({ waitUntil: "load" });
      await page.waitForSelector("form.settings-form");
      s.reloaded = {
        lease: await page.inputValue("#f-lease_minutes"),
        keywords: await page.inputValue("#f-keywords"),
        region: await page.inputValue(poolRegion),
        statics: await page.$$eval("fieldset[data-section=static] tbody input[aria-label='Static number']", (i) => i.map((x) => x.value)),
      };
      // Extension numbers and caller identification, filled in as a marketer would.
      const extensionRow = "fieldset[data-section=extensions] tbody tr:last-child";
      const destinationRow = "fieldset[data-section=identification] tbody tr:last-child";
      const fillSteps = async (label) => {
        await page.click("button:has-text('Add an extension number')");
        await page.fill(`${extensionRow} input[aria-label='Extension number']`, "+1 555 010 0909");
        await page.selectOption("#f-extension_digits", "4");
        await page.selectOption("#f-exhaustion", "extension");
        await page.fill("#f-extension_label", label);
        await page.check("input[name=identification_on]");
        await page.fill("#f-caller_identification-digits", "6");
        await page.selectOption("#f-caller_identification-mode", "any");
        await page.click("button:has-text('Add a destination')");
        await page.fill(`${destinationRow} input[aria-label='Destination name']`, "gold");
        await page.fill(`${destinationRow} input[aria-label='Destination number']`, "+1 555 010 0500");
        // The new name is offered as soon as it is typed.
        await page.selectOption("#f-caller_identification-identified", "gold");
      };
      const steps = async () => ({
        extensionNumbers: await page.$$eval("fieldset[data-section=extensions] tbody input[aria-label='Extension number']", (i) => i.map((x) => x.value)),
        digits: await page.inputValue("#f-extension_digits"),
        label: await page.inputValue("#f-extension_label"),
        exhaustion: await page.inputValue("#f-exhaustion"),
        identification: await page.isChecked("input[name=identification_on]"),
        identificationDigits: await page.inputValue("#f-caller_identification-digits"),
        mode: await page.inputValue("#f-caller_identification-mode"),
        identified: await page.inputValue("#f-caller_identification-identified"),
        destinations: await page.$$eval("fieldset[data-section=identification] tbody tr", (r) =>
          r.map((tr) => [...tr.querySelectorAll("input")].map((x) => x.value))),
      });
      // A label with a digit is refused beside its field, and nothing of that save is stored.
      await fillSteps("ext 1");
      await save();
      await page.waitForSelector("#f-extension_label-error");
      s.labelError = await page.textContent("#f-extension_label-error");
      s.labelInvalid = await page.getAttribute("#f-extension_label", "aria-invalid");
      s.labelAlert = await page.textContent(".save-bar [role=alert]");
      await page.reload({ waitUntil: "load" });
      await page.waitForSelector("form.settings-form");
      s.refusedReload = await steps();
      // With a good label they are saved, and a reload shows them as stored.
      await fillSteps("ext.");
      await save();
      await page.waitForSelector(".save-bar .saved");
      s.stepsSaved = await page.textContent(".save-bar .saved");
      await page.reload({ waitUntil: "load" });
      await page.waitForSelector("form.settings-form");
      s.stepsReloaded = await steps();
      // The Numbers page lists the extension number with its extensions.
      const [poolAnswer] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/sites/${site}/pool`),
        page.click("nav.tabs a:has-text('Numbers')"),
      ]);
      await page.waitForSelector("table.extensions tbody tr");
      s.extensionNumbers = {
        rows: await page.$$eval("table.extensions tbody tr", (r) =>
          r.map((tr) => [tr.dataset.number, ...[...tr.children].map((td) => td.textContent)])),
        api: (await poolAnswer.json()).extension_numbers,
      };
      await shot("numbers-extensions");
      await page.click("nav.tabs a:has-text('Settings')");
      await page.waitForSelector("form.settings-form");
      out.settings = s;
    }
    await shot("settings");
    await context.close();
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
