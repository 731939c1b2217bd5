// Gives the local demo site ad spend for the campaigns its sample calls carry (the last <days>
// days, one CSV through POST /v1/sites/{site}/spend), so the report's ROI columns and the
// overview's cost per call have something to show. Deterministic: the same spend every run.
// Usage: node scripts/seed-spend.mjs <base-url> <site> <token> [days=30]
const [base, site, token, daysArg] = process.argv.slice(2);
const days = Number(daysArg || 30);
if (!base || !site || !token || !(days > 0)) {
  console.error("usage: node scripts/seed-spend.mjs <base-url> <site> <token> [days]");
  process.exit(2);
}
// source, medium, campaign, dollars a day (before the weekday swing)
const campaigns = [
  ["google", "cpc", "spring-promo", 120],
  ["google", "cpc", "emergency", 90],
  ["google", "cpc", "brand", 25],
  ["facebook", "paid_social", "spring-promo", 45],
  ["facebook", "paid_social", "reviews", 30],
  ["bing", "cpc", "brand", 12],
  ["google", "cpc", "prospecting", 60], // spends without bringing calls
];
const rows = ["date,source,medium,campaign,spend"];
const today = Date.now();
for (let d = 0; d < days; d++) {
  const date = new Date(today - d * 86400000).toISOString().slice(0, 10);
  campaigns.forEach(([source, medium, campaign, daily], i) => {
    const cents = Math.round(daily * 100 * (0.8 + ((d * 7 + i * 13) % 10) / 25));
    rows.push(`${date},${source},${medium},${campaign},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`);
  });
}
const res = await fetch(`${base}/v1/sites/${site}/spend`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
  body: rows.join("\n") + "\n",
});
const text = await res.text();
if (!res.ok) {
  console.error(`seeding spend failed: HTTP ${res.status} ${text}`);
  process.exit(1);
}
console.log(text);
