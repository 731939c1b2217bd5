// Fills a site with realistic call history through the import API (POST
// /v1/sites/{site}/calls/import), for the local demo, the dashboard's browser tests and the
// benchmarks. Deterministic for a given seed: the same calls every run.
// Usage: node scripts/seed-calls.mjs <base-url> <site> <token> <count> [days=30] [seed=1]
const [base, site, token, countArg, daysArg, seedArg] = process.argv.slice(2);
const count = Number(countArg), days = Number(daysArg || 30);
if (!base || !site || !token || !(count > 0)) {
  console.error("usage: node scripts/seed-calls.mjs <base-url> <site> <token> <count> [days] [seed]");
  process.exit(2);
}
// mulberry32: a small seeded generator.
let state = Number(seedArg || 1) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (weighted) => {
  let r = random() * weighted.reduce((s, [w]) => s + w, 0);
  for (const [w, v] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1][1];
};
const page = "https://demo-plumbing.example/";
const sources = [
  [30, { source: "google", medium: "cpc", campaign: () => pick([[3, "spring-promo"], [2, "emergency"], [2, "brand"]]),
    keyword: () => pick([[3, "emergency plumber"], [2, "water heater repair"], [2, "blocked drain"], [1, "plumber near me"]]) }],
  [18, { referrer: "https://www.google.com/", landing: page + "services/water-heaters" }],
  [10, { source: "facebook", medium: "paid_social", campaign: () => pick([[1, "spring-promo"], [1, "reviews"]]) }],
  [5, { referrer: "https://www.facebook.com/", landing: page }],
  [9, { source: "newsletter", medium: "email", campaign: () => "november-tips" }],
  [6, { source: "bing", medium: "cpc", campaign: () => "brand", keyword: () => "demo plumbing" }],
  [5, { referrer: "https://www.yelp.com/biz/demo-plumbing", landing: page }],
  [7, { landing: page }], // typed the address: direct
  [10, null], // nobody held the number: unattributed
];
const callers = Array.from({ length: Math.max(10, Math.floor(count * 0.8)) }, (_, i) =>
  `+1555${String(2000000 + i).padStart(7, "0")}`);
const now = Date.now();
const calls = [];
for (let i = 0; i < count; i++) {
  // Mostly within business hours of the local day.
  const day = Math.floor(random() * days);
  const minute = 8 * 60 + Math.floor(random() * 11 * 60);
  const start = new Date(now - day * 86400000);
  start.setHours(0, minute, Math.floor(random() * 60), 0);
  if (start.getTime() > now) start.setTime(now - Math.floor(random() * 3600000));
  const from = callers[Math.floor(Math.pow(random(), 1.6) * callers.length)];
  const outcome = pick([[68, "answered"], [10, "voicemail"], [22, "missed"]]);
  const call = {
    call_id: `CAseed${String(i).padStart(7, "0")}`,
    from,
    to: `+1555010${String(201 + Math.floor(random() * 6)).padStart(4, "0")}`,
    started_at: start.toISOString(),
    answered: outcome === "answered",
  };
  if (outcome === "answered") call.talk_seconds = 20 + Math.floor(Math.pow(random(), 1.5) * 420);
  if (outcome === "voicemail") {
    call.voicemail = true;
    call.recording_url = `https://recordings.example/${call.call_id}.mp3`;
  }
  const src = pick(sources);
  if (src) {
    if (src.source) call.source = src.source;
    if (src.medium) call.medium = src.medium;
    if (src.campaign) call.campaign = src.campaign();
    if (src.keyword) call.keyword = src.keyword();
    if (src.referrer) call.referrer = src.referrer;
    call.landing_page = src.landing || `${page}?utm_source=${src.source}&utm_medium=${src.medium}`;
  }
  if (call.talk_seconds > 240 && random() < 0.5) call.tags = ["quote"];
  // Some long calls became jobs with a known value (without drawing from the generator, so
  // the calls themselves stay what they were).
  if (call.talk_seconds > 180 && i % 3 === 0) call.value = `${150 + (i % 7) * 50}.00`;
  calls.push(call);
}
// Oldest first, so a caller's first call is imported before their repeats.
calls.sort((a, b) => a.started_at.localeCompare(b.started_at));
let imported = 0, skipped = 0;
for (let at = 0; at < calls.length; at += 1000) {
  const res = await fetch(`${base}/v1/sites/${site}/calls/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ calls: calls.slice(at, at + 1000) }),
  });
  const text = await res.text();
  if (!res.ok) {
    console.error(`import failed: HTTP ${res.status} ${text}`);
    process.exit(1);
  }
  const r = JSON.parse(text);
  imported += r.imported;
  skipped += r.skipped;
}
console.log(JSON.stringify({ imported, skipped }));
