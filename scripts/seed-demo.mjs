// Seeds (or updates) the demo site through the same admin API production uses:
// PUT /v1/sites/demo with edge/demo/site.json and the tokens from edge/.dev.vars.
// Usage: node scripts/seed-demo.mjs [base-url]   (default http://127.0.0.1:$PORT or :8787)
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vars = Object.fromEntries(
  readFileSync(join(root, "edge/.dev.vars"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim().replace(/^"|"$/g, "")]),
);
const base = process.argv[2] || `http://127.0.0.1:${process.env.PORT || 8787}`;
const site = JSON.parse(readFileSync(join(root, "edge/demo/site.json"), "utf8"));
site.api_token = vars.DEMO_API_TOKEN;
// Local Twilio webhooks (make call, the tests) are signed with this, as Twilio signs them.
if (vars.DEMO_TWILIO_AUTH_TOKEN) site.twilio_auth_token = vars.DEMO_TWILIO_AUTH_TOKEN;
const res = await fetch(`${base}/v1/sites/demo`, {
  method: "PUT",
  headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json" },
  body: JSON.stringify(site),
});
const text = await res.text();
if (!res.ok) {
  console.error(`seeding the demo site failed: HTTP ${res.status} ${text}`);
  process.exit(1);
}
console.log(text);
