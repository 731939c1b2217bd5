// Live calls as the people answering the phone see them, in Debian's Chromium through
// Playwright: two tabs of one browser signed in to the dashboard, one on the Overview (where
// only the screen pops tell of a call) and one on the Live page. The calls themselves are
// Twilio's signed webhooks, which the Rust test posts when asked: this script prints
// `{"ask": …}` on a line and reads the test's answer (a JSON line) from stdin, then prints what
// the pages showed as JSON on its last line. Screenshots land in <shots>
// (dashboard-screen-pop-*.png, dashboard-live-*.png).
// Usage: node tests/pages/live.mjs <edge-base> <site> <token> <shots-dir>
import { launch } from "./chromium.mjs";
import { mkdirSync } from "node:fs";
import { createInterface } from "node:readline";

const [base, site, token, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const lines = createInterface({ input: process.stdin });
const answers = lines[Symbol.asyncIterator]();
/** Asks the test to do `what` (post a webhook) and waits until it says it is done. */
async function ask(what, call) {
  console.log(JSON.stringify({ ask: what, call }));
  const { value, done } = await answers.next();
  if (done) throw new Error(`the test went away while asked to ${what}`);
  return JSON.parse(value);
}
const WAIT = 15_000;
const started = Date.now();
const out = { thrown: [], console: [], steps: [] };
const step = (name) => out.steps.push([name, Date.now() - started]);

const browser = await launch();

/** A tab of the dashboard, with the live sockets it opened and what they received. */
async function tab(context, name) {
  const page = await context.newPage();
  const sockets = [];
  page.on("pageerror", (e) => out.thrown.push(`${name}: ${e}`));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") out.console.push(`${name}: ${m.text()}`);
  });
  page.on("websocket", (ws) => {
    const socket = { url: ws.url(), opened: Date.now() - started, hello: null, seqs: [], events: [], closed: null };
    sockets.push(socket);
    ws.on("framereceived", (f) => {
      let m;
      try { m = JSON.parse(f.payload); } catch { return; }
      if (m.hello) socket.hello = m.hello.seq;
      if (m.seq !== undefined) {
        socket.seqs.push(m.seq);
        socket.events.push([m.seq, m.event, m.call?.call_sid]);
      }
    });
    ws.on("close", () => { socket.closed = Date.now() - started; });
  });
  await page.goto(`${base}/dashboard/`, { waitUntil: "load" });
  await page.waitForSelector("input[name=token]");
  await page.fill("input[name=site]", site);
  await page.fill("input[name=token]", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(".stats");
  return { page, sockets, name };
}

/** Resolves once `check()` holds (polled), or throws saying `what` never happened. */
async function until(what, check, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const popSel = (sid, state) =>
  `section.screen-pops article.screen-pop[data-call-sid="${sid}"]${state ? `[data-state="${state}"]` : ""}`;
/** What a screen pop says. */
const card = (page, sid) => page.$eval(popSel(sid), (a) => {
  const t = (s) => a.querySelector(s)?.textContent ?? null;
  return {
    state: a.dataset.state, label: t(".pop-state"), caller: t(".caller"),
    firstTime: !!a.querySelector(".first-time"), repeat: !!a.querySelector(".repeat"),
    kind: t(".caller-kind"), earlierCalls: t(".earlier-calls"), customer: t(".customer"), line: t(".line"),
    channel: t("dl.attribution .channel"), source: t("dl.attribution .source"),
    campaign: t("dl.attribution .campaign"), keyword: t("dl.attribution .keyword"),
    landingPage: t("dl.attribution .landing-page"), masked: !!a.querySelector("dl.masked"),
    open: a.querySelector("a.open-call")?.getAttribute("href") ?? null,
    dismiss: !!a.querySelector("button.dismiss"),
  };
});
const count = (page, sel) => page.$$eval(sel, (e) => e.length);
const pops = (page) => page.$$eval("section.screen-pops article.screen-pop", (a) => a.map((x) => x.dataset.callSid));
const liveSel = (sid, state) =>
  `table.live-calls tr.live-call[data-call-sid="${sid}"]${state ? `[data-state="${state}"]` : ""}`;
/** A row of the calls in progress. */
const liveRow = (page, sid) => page.$eval(liveSel(sid), (tr) => {
  const t = (s) => tr.querySelector(s)?.textContent ?? null;
  const source = tr.querySelector("td.source");
  return {
    state: tr.dataset.state, timer: t("td.timer time"), caller: tr.querySelector("td.caller").firstChild.textContent,
    firstTime: !!tr.querySelector("td.caller .first-time"), repeat: !!tr.querySelector("td.caller .repeat"),
    earlierCalls: t("td.caller .earlier-calls"), customer: t("td.caller .customer"),
    source: source.firstChild.textContent, channel: t("td.source .channel"), campaign: t("td.campaign"),
    line: t("td.line"),
  };
});
const recentSel = (sid) => `table.recent-calls tr.recent-call[data-call-sid="${sid}"]`;
const recentRow = (page, sid) => page.$eval(recentSel(sid), (tr) => ({
  outcome: tr.dataset.outcome, outcomeText: tr.querySelector("td.outcome").textContent,
  talkTime: tr.querySelector("td.talk-time").textContent, campaign: tr.querySelector("td.campaign").textContent,
}));
const status = (page) => page.getAttribute(".live-status", "data-live-status");
const seconds = (mmss) => { const [m, s] = mmss.split(":").map(Number); return m * 60 + s; };

let a, b; // the Overview tab and the Live tab
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  a = await tab(context, "overview");
  b = await tab(context, "live");
  await b.page.click('nav.tabs a[href^="#/live"]');
  await b.page.waitForSelector('.live-status[data-live-status="live"]', { timeout: WAIT });
  // Not a call yet; the Overview's socket has said hello too.
  await b.page.waitForSelector("section.live p.empty");
  await until("the overview's socket to open", () => a.sockets.some((s) => s.hello !== null));
  out.start = { status: await status(b.page), hash: await b.page.evaluate(() => location.hash),
    emptyText: await b.page.textContent("section.live p.empty"),
    toggles: { notify: await b.page.getAttribute("button.notify-toggle", "aria-pressed"),
      sound: await b.page.getAttribute("button.sound-toggle", "aria-pressed") },
    popsOnOverview: await pops(a.page) };
  await b.page.screenshot({ path: `${shots}/dashboard-live-empty.png`, fullPage: true });
  step("signed in");

  // 1. A visitor from the Google ad calls: the card rings in both tabs.
  const first = await ask("incoming", 1);
  const sid1 = first.sid;
  const t0 = Date.now();
  await a.page.waitForSelector(popSel(sid1, "ringing"), { timeout: WAIT });
  out.popMs = Date.now() - t0;
  await b.page.waitForSelector(popSel(sid1, "ringing"), { timeout: WAIT });
  out.ringing = { overview: await card(a.page, sid1), live: await card(b.page, sid1),
    overviewHash: await a.page.evaluate(() => location.hash) };
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-ringing.png` });
  // The Live page lists it, its timer running.
  await b.page.waitForSelector(liveSel(sid1, "ringing"), { timeout: WAIT });
  const before = await liveRow(b.page, sid1);
  // The timer, read every 250 ms for 4 s (it moves on every second).
  const ticks = [];
  const sampled = Date.now();
  while (Date.now() - sampled < 4_000) {
    ticks.push(await b.page.textContent(`${liveSel(sid1)} td.timer time`));
    await b.page.waitForTimeout(250);
  }
  out.liveRinging = { row: before, ticks, rows: await count(b.page, "table.live-calls tr.live-call"),
    heading: await b.page.textContent("section.live .card h2") };
  await b.page.screenshot({ path: `${shots}/dashboard-live-ringing.png`, fullPage: true });
  step("ringing");

  // 2. The business picks up.
  await ask("answer", 1);
  await a.page.waitForSelector(popSel(sid1, "answered"), { timeout: WAIT });
  await b.page.waitForSelector(popSel(sid1, "answered"), { timeout: WAIT });
  await b.page.waitForSelector(liveSel(sid1, "talking"), { timeout: WAIT });
  out.answered = { overview: await card(a.page, sid1), row: await liveRow(b.page, sid1) };
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-answered.png` });
  await b.page.screenshot({ path: `${shots}/dashboard-live-talking.png`, fullPage: true });
  step("answered");

  // 3. They talk 42 s and hang up: the card says so, the call leaves the calls in progress
  // for the recent ones.
  await ask("end", 1);
  await a.page.waitForSelector(popSel(sid1, "ended"), { timeout: WAIT });
  const endedAt = Date.now();
  await b.page.waitForSelector(popSel(sid1, "ended"), { timeout: WAIT });
  await b.page.waitForSelector(recentSel(sid1), { timeout: WAIT });
  await b.page.waitForSelector(liveSel(sid1), { state: "detached", timeout: WAIT });
  out.ended = { overview: await card(a.page, sid1), recent: await recentRow(b.page, sid1),
    inProgress: await count(b.page, "table.live-calls tr.live-call"),
    emptyText: await b.page.textContent("section.live p.empty") };
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-ended.png` });
  step("ended");

  // 4. The same caller again, and nobody answers: a repeat caller, then missed.
  const second = await ask("incoming", 2);
  const sid2 = second.sid;
  await a.page.waitForSelector(popSel(sid2, "ringing"), { timeout: WAIT });
  await b.page.waitForSelector(liveSel(sid2, "ringing"), { timeout: WAIT });
  out.repeat = { overview: await card(a.page, sid2), row: await liveRow(b.page, sid2) };
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-repeat.png` });
  await ask("no-answer", 2);
  await a.page.waitForSelector(popSel(sid2, "missed"), { timeout: WAIT });
  await b.page.waitForSelector(popSel(sid2, "missed"), { timeout: WAIT });
  await b.page.waitForSelector(recentSel(sid2), { timeout: WAIT });
  await b.page.waitForSelector(liveSel(sid2), { state: "detached", timeout: WAIT });
  out.missed = { overview: await card(a.page, sid2), recent: await recentRow(b.page, sid2),
    recentOrder: await b.page.$$eval("table.recent-calls tr.recent-call", (r) => r.map((x) => x.dataset.callSid)) };
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-missed.png` });
  await b.page.screenshot({ path: `${shots}/dashboard-live-recent.png`, fullPage: true });
  step("missed");

  // 5. The answered call's card leaves by itself some seconds after the end (in the tab
  // nobody touched); the missed one stays longer.
  await b.page.waitForSelector(popSel(sid1), { state: "detached", timeout: 20_000 });
  out.endedCardStayedMs = Date.now() - endedAt;
  await a.page.waitForSelector(popSel(sid1), { state: "detached", timeout: 5_000 });
  out.afterExpiry = { live: await pops(b.page), overview: await pops(a.page) };
  // Dismissed in one tab: gone there, still in the other.
  await a.page.click(`${popSel(sid2)} button.dismiss`);
  await a.page.waitForSelector(popSel(sid2), { state: "detached", timeout: WAIT });
  out.dismissed = { overview: await pops(a.page), live: await pops(b.page) };
  step("dismissed");

  // 6. The connection drops (the browser goes offline) while a third caller rings and hangs
  // up unanswered; back online, both tabs catch up: one missed card each, one recent row.
  out.beforeDrop = { status: await status(b.page), sockets: [a.sockets.length, b.sockets.length] };
  await context.setOffline(true);
  await b.page.waitForSelector('.live-status[data-live-status="offline"]', { timeout: WAIT });
  out.offline = { status: await status(b.page), label: await b.page.textContent(".live-status") };
  await b.page.screenshot({ path: `${shots}/dashboard-live-offline.png`, fullPage: true });
  const third = await ask("incoming", 3);
  const sid3 = third.sid;
  await ask("no-answer", 3);
  // Long enough for the dashboard's retries to come due while offline.
  await b.page.waitForTimeout(3_000);
  out.whileOffline = { overview: await pops(a.page), live: await pops(b.page),
    recent: await count(b.page, recentSel(sid3)), status: await status(b.page) };
  step("offline");
  await context.setOffline(false);
  await b.page.waitForSelector('.live-status[data-live-status="live"]', { timeout: WAIT });
  await a.page.waitForSelector(popSel(sid3, "missed"), { timeout: WAIT });
  await b.page.waitForSelector(popSel(sid3, "missed"), { timeout: WAIT });
  await b.page.waitForSelector(recentSel(sid3), { timeout: WAIT });
  // Anything repeated would have come by now.
  await b.page.waitForTimeout(1_500);
  out.reconnected = {
    status: await status(b.page),
    cards: { overview: await count(a.page, popSel(sid3)), live: await count(b.page, popSel(sid3)) },
    card: await card(a.page, sid3),
    recentRows: await count(b.page, recentSel(sid3)),
    inProgress: await count(b.page, "table.live-calls tr.live-call"),
    recentOrder: await b.page.$$eval("table.recent-calls tr.recent-call", (r) => r.map((x) => x.dataset.callSid)),
    recent: await recentRow(b.page, sid3),
    pops: { overview: await pops(a.page), live: await pops(b.page) },
  };
  await b.page.screenshot({ path: `${shots}/dashboard-live-reconnected.png`, fullPage: true });
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-reconnected.png` });
  await a.page.setViewportSize({ width: 390, height: 844 });
  await a.page.waitForTimeout(200);
  await a.page.screenshot({ path: `${shots}/dashboard-screen-pop-phone.png` });
  step("reconnected");
  out.sids = [sid1, sid2, sid3];
  out.sockets = { overview: a.sockets, live: b.sockets };
  out.ms = Date.now() - started;
  console.log(JSON.stringify({ result: out }));
} catch (e) {
  // What the tabs showed when it went wrong, for the test's message.
  for (const t of [a, b].filter(Boolean)) {
    await t.page.screenshot({ path: `${shots}/dashboard-live-failed-${t.name}.png`, fullPage: true }).catch(() => {});
  }
  out.error = String(e.stack || e);
  out.sockets = { overview: a?.sockets, live: b?.sockets };
  console.log(JSON.stringify({ result: out }));
  process.exitCode = 1;
} finally {
  lines.close();
  await browser.close();
}
