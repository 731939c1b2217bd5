#!/usr/bin/env bash
# Starts the product locally: wrangler dev (local KV + SQLite Durable Objects under
# edge/.wrangler/state) on 127.0.0.1:$PORT, then seeds the demo site and says where to look.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
PORT=${PORT:-8787}
base="http://127.0.0.1:$PORT"

(cd edge && exec wrangler dev --ip 127.0.0.1 --port "$PORT" \
   --show-interactive-dev-session=false) &
wrangler_pid=$!
trap 'kill $wrangler_pid 2>/dev/null; wait $wrangler_pid 2>/dev/null' INT TERM EXIT

for _ in $(seq 1 120); do
  curl -fsS "$base/v1/health" >/dev/null 2>&1 && break
  kill -0 $wrangler_pid 2>/dev/null || { echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
token=$(sed -n 's/^DEMO_API_TOKEN=//p' edge/.dev.vars)
# The demo site is created from edge/demo/site.json once; after that its settings are the
# owner's (the dashboard's Settings page), so a restart does not undo them.
known=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$base/v1/sites/demo/settings")
if [ "$known" != 200 ]; then
  if ! node scripts/seed-demo.mjs "$base" >/dev/null; then
    echo "creating the demo site failed (see above)" >&2
    exit 1
  fi
  echo "  (created the demo site from edge/demo/site.json)"
fi
# A demo site without calls gets 300 over the last 30 days, so the dashboard has something to
# show (real calls from `make call` land beside them).
if curl -fsS -H "authorization: Bearer $token" "$base/v1/sites/demo/calls?per_page=1" | grep -q '"total":0'; then
  node scripts/seed-calls.mjs "$base" demo "$token" 300 30 >/dev/null || { echo "seeding sample calls failed" >&2; exit 1; }
  echo "  (seeded the demo site with 300 sample calls)"
fi
# And a month of ad spend for their campaigns, so the report's ROI columns show something.
if curl -fsS -H "authorization: Bearer $token" "$base/v1/sites/demo/spend?group_by=month" | grep -q '"total":"0.00"'; then
  node scripts/seed-spend.mjs "$base" demo "$token" 30 >/dev/null || { echo "seeding sample spend failed" >&2; exit 1; }
  echo "  (seeded the demo site with 30 days of ad spend)"
fi
cat <<MSG

  ringtrace is running at $base
    demo page   $base/            (the widget swaps (555) 010-0100 for a tracking number)
                $base/consent.html  (the same behind a consent banner)
    dashboard   $base/dashboard/  site: demo   token: $token   (from edge/.dev.vars)
    simulate a call to a tracking number:  make call NUMBER=+15550100201
  Ctrl-C stops it. Data persists in edge/.wrangler/state.

MSG
signatures=$(sed -n 's/^TWILIO_SIGNATURES=//p' edge/.dev.vars | tr -d "\"' " | tr 'A-Z' 'a-z')
case "$signatures" in
  off|false|0) cat <<'WARN'
  ************************************************************************************
  *  WARNING: TWILIO_SIGNATURES=off in edge/.dev.vars.                               *
  *  X-Twilio-Signature is NOT checked: anyone who can reach this edge can post fake *
  *  calls. For local experiments only; never deploy with it.                        *
  ************************************************************************************

WARN
  ;;
esac
wait $wrangler_pid
