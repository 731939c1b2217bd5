#!/usr/bin/env bash
# Simulates Twilio's voice webhook for a call to a tracking number on the local edge.
# Usage: scripts/call.sh +15550100201 [from]
set -euo pipefail
PORT=${PORT:-8787}
to=${1:?usage: make call NUMBER=+1555...}
from=${2:-+15550009999}
sid="CA$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
curl -fsS "http://127.0.0.1:$PORT/v1/telephony/twilio/voice" \
  --data-urlencode "CallSid=$sid" --data-urlencode "AccountSid=ACdemo" \
  --data-urlencode "From=$from" --data-urlencode "To=$to" \
  --data-urlencode "CallStatus=ringing" --data-urlencode "Direction=inbound"
echo
