#!/usr/bin/env bash
# Rebuild examples/acme-msp with mim itself, every event at a fixed time (--at), so the
# example is what the tool really writes. Run from anywhere after `cargo build`:
#   examples/build-acme-msp.sh
# It does not commit: the example lives inside this project's git repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mim=${MIM:-$here/../target/debug/mim}
out=$here/acme-msp
rm -rf "$out"
mkdir -p "$out"
cd "$out"
m() { "$mim" --no-commit "$@"; }

m init . >/dev/null
cp "$here/northwind.yaml" mim.yaml

# 1. Rejected: one user's printer is not a major incident.
id=$(MIM_USER="Priya Shah" m --at 2026-11-16T08:40:00Z declare --title "Finance printer offline" \
  --service "Print" --client globex --impact low --urgency medium --category end-user --force)
MIM_USER="Alice Moreau" m --at 2026-11-16T08:55:00Z reject "$id" \
  --reason "Affects one team with a working alternative printer; handled as a standard incident"

# 2. Resolved: e-mail delays for Globex, restored by a workaround with a problem ticket.
id=$(MIM_USER="Priya Shah" m --at 2026-11-18T13:05:00Z declare --title "Outbound e-mail delayed by hours" \
  --service "Exchange Online relay" --client globex --impact high --urgency medium --category application \
  --ci relay-02 --ticket GLX-48213 -m "Store managers report order confirmations arriving 2-3 hours late.")
MIM_USER="Alice Moreau" m --at 2026-11-18T13:20:00Z accept "$id"
MIM_USER="Tom Okafor" m --at 2026-11-18T14:10:00Z note "$id" "Relay queue at 48k messages; smart host rejecting TLS 1.0" \
  --time 45m --activity diagnosis
MIM_USER="Tom Okafor" m --at 2026-11-18T16:30:00Z resolve "$id" --closure workaround --workaround \
  --problem PRB-1207 -m "Mail now routes through the secondary relay; the queue drained by 16:20." --verified-by-client

# 3. Active and breaching: ACME's payments API is down (P1).
id=$(MIM_USER="Priya Shah" m --at 2026-11-23T14:02:00Z declare --title "Payments API outage" \
  --service "Payments API" --client acme --impact high --urgency high --category application \
  --ci pay-gw-01 --ticket ACME-99120 -m "Card payments fail with HTTP 503 for all ACME storefronts.")
MIM_USER="Alice Moreau" m --at 2026-11-23T14:31:00Z accept "$id"
MIM_USER="Tom Okafor" m --at 2026-11-23T15:05:00Z note "$id" "Gateway pods crash-looping after the 14:00 certificate rotation" \
  --time 30m --activity diagnosis
MIM_USER="Alice Moreau" m --at 2026-11-23T15:40:00Z hold "$id" --reason "Waiting for ACME to re-issue the client certificate"
MIM_USER="Alice Moreau" m --at 2026-11-23T16:25:00Z resume "$id"

# 4. Proposed: waiting for an incident manager.
MIM_USER="Priya Shah" m --at 2026-11-24T07:50:00Z declare --title "VPN drops for remote staff" \
  --service "Remote access VPN" --client globex --impact medium --urgency high --category network >/dev/null

rm -f incidents/.gitkeep
echo "rebuilt $out"
