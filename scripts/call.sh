#!/usr/bin/env bash
# Simulates Twilio's voice webhook for a call to a tracking number on the local edge, signed
# with the demo site's Twilio auth token exactly as Twilio signs it (X-Twilio-Signature).
# Usage: scripts/call.sh +15550100201 [from]
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}
to=${1:?usage: make call NUMBER=+1555...}
from=${2:-+15550009999}
sid="CA$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
url="http://127.0.0.1:$PORT/v1/telephony/twilio/voice"
token=$(sed -n 's/^DEMO_TWILIO_AUTH_TOKEN=//p' edge/.dev.vars)
read -r body signature < <(node -e '
  const crypto = require("node:crypto");
  const [url, token, ...pairs] = process.argv.slice(1);
  const params = [];
  for (let i = 0; i < pairs.length; i += 2) params.push([pairs[i], pairs[i + 1]]);
  const data = url + [...params].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => k + v).join("");
  const sig = crypto.createHmac("sha1", token).update(data).digest("base64");
  console.log(new URLSearchParams(params).toString(), sig);
' "$url" "$token" CallSid "$sid" AccountSid ACdemo From "$from" To "$to" CallStatus ringing Direction inbound)
curl -fsS "$url" -H "content-type: application/x-www-form-urlencoded" -H "x-twilio-signature: $signature" --data "$body"
echo
