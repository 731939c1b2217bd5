// Drives the dashboard in Debian's Chromium through Playwright the way a marketer would, and
// prints what the test asserts on as JSON: what each page shows, and the API answers those
// pages were built from (to check they agree). Saves a screenshot of each page at desktop and
// phone widths into <shots>.
// Usage: node tests/pages/dashboard.mjs <edge-base> <site> <token> <shots-dir> [orders]
// With `orders`: number masking as an operator sees it instead (the Orders page, masked calls
// on the Calls page and a call's page, the masking section of Settings), at desktop width and
// the Orders page also at phone width.
import { launch } from "./chromium.mjs";
import { mkdirSync, readFileSync } from "node:fs";

const [base, site, token, shots, mode] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const out = { thrown: [], console: [] };
const api = {}; // the last JSON answer of each API path the dashboard fetched
try {
  if (mode === "orders") out.orders = await orders();
  for (const [width, name] of mode === "orders" ? [] : [[1280, "desktop"], [390, "phone"]]) {
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

// Number masking: the Orders page (both sessions with their proxy numbers and the real numbers
// hidden until asked for, one revealed, one opened to its call, the other closed through its
// Close button, the state and order filters), masked calls on the Calls page and a call's
// masking card, the masking section of Settings (its numbers; refused values beside their
// fields; saved ones kept). Screenshots of the Orders page at desktop and phone widths.
async function orders() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => out.thrown.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.console.push(m.text()); });
  const shot = (what) => page.screenshot({ path: `${shots}/dashboard-${what}.png`, fullPage: true });
  const sessionsAnswer = () => page.waitForResponse((r) =>
    new URL(r.url()).pathname === `/v1/sites/${site}/masking/sessions` && r.request().method() === "GET");
  const o = {};
  await page.goto(`${base}/dashboard/`, { waitUntil: "load" });
  await page.waitForSelector("input[name=token]");
  await page.fill("input[name=site]", site);
  await page.fill("input[name=token]", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav.tabs a:has-text('Orders')");

  // Both sessions, each party with its proxy number and its real number partly hidden.
  const [listAnswer] = await Promise.all([sessionsAnswer(), page.click("nav.tabs a:has-text('Orders')")]);
  const list = await listAnswer.json();
  await page.waitForSelector("table#orders tr.session");
  const rows = () => page.$$eval("table#orders tbody tr.session", (trs) => trs.map((tr) => ({
    id: tr.dataset.sessionId, order: tr.dataset.orderId, state: tr.dataset.state,
    stateText: tr.querySelector("td.state").textContent,
    participants: [...tr.querySelectorAll(".participant")].map((p) => ({
      role: p.dataset.role, roleText: p.querySelector(".role")?.textContent,
      name: p.querySelector(".name")?.textContent ?? null,
      number: p.querySelector("button.reveal-number").textContent,
      pressed: p.querySelector("button.reveal-number").getAttribute("aria-pressed"),
      proxy: p.querySelector(".proxy-number").textContent,
    })),
    timeLeft: tr.querySelector("td.when .time-left")?.textContent ?? null,
    closedAt: tr.querySelector("td.when .closed-at")?.textContent ?? null,
    calls: tr.querySelector("td.call-count").textContent,
    closeButton: tr.querySelector("td.actions button.close-session") !== null,
    expanded: tr.querySelector("td.order button.expand").getAttribute("aria-expanded"),
  })));
  o.hash = await page.evaluate(() => location.hash);
  o.api = list;
  o.rows = await rows();
  // No real number is anywhere in the page (text or attributes) before one is asked for: not
  // as stored, not grouped, not as its national digits.
  const forms = (n) => [n, n.replace(/^\+1/, ""), ...["+1 $1 $2 $3", "($1) $2-$3", "$1-$2-$3"].map((f) =>
    n.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, f))];
  const real = list.sessions.flatMap((s) => s.participants.map((p) => p.number));
  const html = await page.content();
  o.realNumbersInPage = real.flatMap(forms).filter((f) => html.includes(f));
  // One revealed: its whole number, and only that one.
  const first = "table#orders tr.session[data-order-id='A-2001']";
  const reveal = `${first} .participant[data-role=customer] button.reveal-number`;
  o.hiddenText = await page.textContent(reveal);
  await page.click(reveal);
  await page.waitForSelector(`${reveal}[aria-pressed=true]`);
  o.revealed = await page.textContent(reveal);
  o.revealedWasInPage = html.includes(o.revealed);
  o.othersStillHidden = await page.$$eval("table#orders button.reveal-number[aria-pressed=false]", (b) => b.length);

  // A session opened: its call, who called whom, its recording.
  const expand = `${first} td.order button.expand`;
  const id = await page.getAttribute(first, "data-session-id");
  const [detailAnswer] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/sites/${site}/masking/sessions/${id}`),
    page.click(expand),
  ]);
  const detail = `tr.session-detail#session-${id}`;
  await page.waitForSelector(`${detail} table.session-calls tr[data-call-sid]`);
  o.opened = {
    id, hash: await page.evaluate(() => location.hash), expanded: await page.getAttribute(expand, "aria-expanded"),
    calls: await page.$$eval(`${detail} table.session-calls tbody tr[data-call-sid]`, (trs) => trs.map((tr) => ({
      sid: tr.dataset.callSid, roles: tr.querySelector("td.roles").textContent,
      status: tr.querySelector("td.status").textContent,
      audio: [...tr.querySelectorAll("audio[controls]")].map((a) => a.getAttribute("src")),
    }))),
    facts: await page.textContent(`${detail} dl.facts`),
    api: await detailAnswer.json(),
  };
  await shot("orders-desktop");

  // The other one closed through its Close button, once confirmed: it comes back closed.
  const second = "table#orders tr.session[data-order-id='A-2002']";
  page.once("dialog", (d) => { o.confirm = { type: d.type(), message: d.message() }; d.accept(); });
  const [closeAnswer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/close")),
    page.click(`${second} td.actions button.close-session`),
  ]);
  o.closeStatus = closeAnswer.status();
  await page.waitForSelector(`${second}[data-state=closed]`);
  o.afterClose = await rows();
  // The list is loaded again after the close, and the opened row's calls with it.
  o.stillOpened = await page.waitForSelector(`${detail} table.session-calls`, { timeout: 10_000 })
    .then(() => true, () => false);

  // Only the closed ones; then that and an order id no closed session has: none, in words.
  const [closedAnswer] = await Promise.all([sessionsAnswer(), page.selectOption("select[name=state]", "closed")]);
  await page.waitForFunction(() => location.hash.includes("state=closed"));
  await page.waitForFunction(() => {
    const r = [...document.querySelectorAll("table#orders tr.session")];
    return r.length > 0 && r.every((tr) => tr.dataset.state === "closed");
  });
  o.closed = { hash: await page.evaluate(() => location.hash), rows: await rows(), api: (await closedAnswer.json()).total };
  const [noneAnswer] = await Promise.all([sessionsAnswer(), page.fill("input[name=order_id]", "A-2001").then(() => page.press("input[name=order_id]", "Enter"))]);
  await page.waitForSelector("section.orders .empty");
  o.none = { hash: await page.evaluate(() => location.hash), text: await page.textContent("section.orders .empty"),
    api: (await noneAnswer.json()).total, rows: await page.$$eval("table#orders tr.session", (r) => r.length) };
  await page.goto(`${base}/dashboard/#/orders`, { waitUntil: "load" });
  await page.waitForSelector("table#orders tr.session");
  await page.setViewportSize({ width: 390, height: 900 });
  await page.waitForTimeout(200);
  await shot("orders-phone");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Masked calls on the Calls page: only them with kind=masked, tagged with their order.
  await page.click("nav.tabs a:has-text('Calls')");
  await page.waitForSelector("select[name=kind]");
  const [maskedAnswer] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/calls?") && r.url().includes("kind=masked")),
    page.selectOption("select[name=kind]", "masked"),
  ]);
  await page.waitForFunction(() => location.hash.includes("kind=masked"));
  await page.waitForSelector("table.calls tbody tr.masked[data-kind=masked]");
  o.calls = {
    hash: await page.evaluate(() => location.hash),
    rows: await page.$$eval("table.calls tbody tr", (trs) => trs.map((tr) => ({
      sid: tr.dataset.callSid, kind: tr.dataset.kind, masked: tr.classList.contains("masked"),
      tag: tr.querySelector("td.source .tag.masked")?.textContent ?? null,
      tagHref: tr.querySelector("td.source .tag.masked")?.getAttribute("href") ?? null,
      channel: tr.querySelector("td.channel").textContent,
    }))),
    api: (await maskedAnswer.json()).total,
  };
  await shot("calls-masked-desktop");
  // The call's page: its order and who called whom; the order links back to the open session.
  await page.click("table.calls tbody tr.masked td a");
  await page.waitForSelector(".card.masking dd.order");
  o.call = {
    hash: await page.evaluate(() => location.hash),
    order: await page.textContent(".card.masking dd.order"),
    roles: await page.textContent(".card.masking dd.roles"),
  };
  await page.click(".card.masking dd.order a");
  await page.waitForSelector(`${detail} table.session-calls tr[data-call-sid]`);
  o.call.back = { hash: await page.evaluate(() => location.hash), rows: await page.$$eval("table#orders tr.session", (r) => r.map((tr) => tr.dataset.orderId)) };

  // Settings: the masking numbers; a session time of 0 refused beside its field, then a
  // masking number as the closed orders' forward-to; both fixed and saved.
  await page.click("nav.tabs a:has-text('Settings')");
  await page.waitForSelector("fieldset[data-section=masking]");
  const masking = "fieldset[data-section=masking]";
  const section = async () => ({
    numbers: await page.$$eval(`${masking} tr[data-number] input[aria-label='Masking number']`, (i) => i.map((x) => x.value)),
    rowNumbers: await page.$$eval(`${masking} tr[data-number]`, (r) => r.map((tr) => tr.dataset.number)),
    ttl: await page.inputValue("#f-masking_ttl_minutes"),
    closed: await page.$eval(`${masking} input[name=masking_closed]:checked`, (x) => x.value),
    say: await page.inputValue("#f-masking_closed-say"),
    forwardTo: await page.inputValue("#f-masking_closed-forward_to"),
  });
  const save = () => page.click("button[type=submit]:has-text('Save settings')");
  const s = { before: await section() };
  await page.fill("#f-masking_ttl_minutes", "0");
  await save();
  await page.waitForSelector("#f-masking_ttl_minutes-error");
  s.ttlError = await page.textContent("#f-masking_ttl_minutes-error");
  s.ttlInvalid = await page.getAttribute("#f-masking_ttl_minutes", "aria-invalid");
  s.ttlErrorBeside = await page.$eval("#f-masking_ttl_minutes", (input) =>
    input.closest(".field").contains(document.getElementById("f-masking_ttl_minutes-error"))
      && input.getAttribute("aria-describedby") === "f-masking_ttl_minutes-error");
  s.alert = await page.textContent(".save-bar [role=alert]");
  await page.locator(masking).scrollIntoViewIfNeeded();
  await shot("settings-masking-error-desktop");
  await page.fill("#f-masking_ttl_minutes", "90");
  await page.check(`${masking} input[name=masking_closed][value=forward]`);
  await page.fill("#f-masking_closed-say", "This order is closed. Connecting you to our team.");
  await page.fill("#f-masking_closed-forward_to", "+1 555 010 0701");
  await save();
  await page.waitForSelector("#f-masking_closed-forward_to-error");
  s.forwardError = await page.textContent("#f-masking_closed-forward_to-error");
  s.forwardInvalid = await page.getAttribute("#f-masking_closed-forward_to", "aria-invalid");
  s.ttlErrorGone = (await page.$("#f-masking_ttl_minutes-error")) === null;
  await page.fill("#f-masking_closed-forward_to", "+1 555 010 0400");
  await save();
  await page.waitForSelector(".save-bar .saved");
  s.saved = await page.textContent(".save-bar .saved");
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector(masking);
  s.reloaded = await section();
  o.settings = s;
  await context.close();
  return o;
}
