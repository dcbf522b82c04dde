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
mkdir -p branding && cp "$here/northwind-logo.svg" branding/northwind.svg

# Write a person's paragraph under a heading of pir.md, as someone would by hand.
write_section() {  # FILE HEADING TEXT [LEVEL]: LEVEL is ## (default) or ###
  awk -v h="${4:-##} $2" -v t="$3" '
    $0 == h { print; found = 1; next }
    found && /^<!--.*-->$/ { print; print ""; print t; found = 0; next }
    { print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# 1. Rejected: one user's printer is not a major incident.
id=$(MIM_USER="Priya Shah" m --at 2026-11-16T08:40:00Z declare --title "Finance printer offline" \
  --service "Print" --client globex --impact low --urgency medium --category end-user --force)
MIM_USER="Alice Moreau" m --at 2026-11-16T08:55:00Z reject "$id" \
  --reason "Affects one team with a working alternative printer; handled as a standard incident"

# 2. Closed, with its post incident review: Globex's Leeds core switch failed (P1).
id=$(MIM_USER="Raj Singh" m --at 2026-11-02T08:55:00Z declare --title "Leeds office network down" \
  --service "Site network" --client globex --impact high --urgency high --category network \
  --ci leeds-core-sw1 --ticket GLX-47730 -m "All 240 staff at the Leeds office have no network; tills run offline.")
MIM_USER="Alice Moreau" m --at 2026-11-02T09:05:00Z accept "$id"
MIM_USER="Alice Moreau" m --at 2026-11-02T09:12:00Z plan "$id" \
  --approach "Move the uplinks to the standby switch, then replace the failed supervisor card." \
  --workstream "standby-switch:Raj Singh" --workstream "replacement:Tom Okafor:Cisco TAC" \
  --bridge "+44 20 7946 0001, PIN 4417"
MIM_USER="Alice Moreau" m --at 2026-11-02T09:20:00Z update "$id" --audience all \
  --status-line "Down: Leeds office offline" --eta 2026-11-02T12:00:00Z \
  -m "The Leeds core switch has failed. We are moving the office onto the standby switch."
MIM_USER="Tom Okafor" m --at 2026-11-02T09:30:00Z escalate "$id" --kind vendor --to "Cisco TAC" \
  --ref "TAC-699812" --reason "Supervisor card failure; RMA needed"
MIM_USER="Tom Okafor" m --at 2026-11-02T09:35:00Z escalate "$id" --kind parts --to "Cisco RMA depot" \
  --ref "RMA-88231" --reason "Replacement supervisor card, 4-hour delivery"
MIM_USER="Alice Moreau" m --at 2026-11-02T09:50:00Z update "$id" --audience internal \
  -m "Standby switch racked; uplinks moving one floor at a time."
MIM_USER="Alice Moreau" m --at 2026-11-02T10:00:00Z hold "$id" --reason "Waiting for the RMA courier to reach Leeds"
MIM_USER="Alice Moreau" m --at 2026-11-02T10:15:00Z escalate "$id" --kind management --to "Dana Reyes" \
  --reason "P1 on hold for parts; client informed"
MIM_USER="Alice Moreau" m --at 2026-11-02T10:30:00Z resume "$id"
MIM_USER="Tom Okafor" m --at 2026-11-02T10:35:00Z escalate "$id" --kind onsite --to "Field engineer Sam Reed" \
  --reason "Fit the replacement card"
MIM_USER="Alice Moreau" m --at 2026-11-02T10:45:00Z update "$id" --audience all \
  -m "The replacement card has arrived; the engineer is fitting it now." --next 11:30
MIM_USER="Tom Okafor" m --at 2026-11-02T11:05:00Z note "$id" "Card fitted, switch stacked, all floors back" \
  --time 2h --activity repair
MIM_USER="Alice Moreau" m --at 2026-11-02T11:40:00Z resolve "$id" --closure hardware-replaced \
  --problem PRB-1042 --verified-by-client -m "The failed supervisor card was replaced; every floor is back on the network." \
  --client-message "The failed network hardware was replaced; every floor of the Leeds office is back on the network."
MIM_USER="Dana Reyes" m --at 2026-11-03T09:00:00Z pir start "$id" --reason required --facilitator "Dana Reyes"
pir=incidents/$id/pir.md
write_section "$pir" "Root cause" "The supervisor card failed (hardware fault, PRB-1042). Its redundant partner had been removed in June for another site and never replaced."
write_section "$pir" "Contributing process deficiencies" "The standby switch was not pre-cabled, so moving the uplinks took 50 minutes. The spare parts register still listed the removed card as installed."
write_section "$pir" "What went well" "The vendor and parts escalations went out within 40 minutes of the report, and the client was updated at every step."
write_section "$pir" "Lessons learned" "A redundant part borrowed for another site is a single point of failure until it is replaced."
write_section "$pir" "Recommendations" "Keep the spare parts register under change control, and pre-cable standby switches at every office site."
# What Globex reads in its own incident report, in its words.
write_section "$pir" "Cause" "A core network switch at the Leeds office failed, and the spare part that should have taken over had been moved to another site." "###"
write_section "$pir" "Fix" "We moved the office onto a standby switch and replaced the failed part. Standby switches at every Globex office are now pre-cabled, and spare parts are under change control." "###"
a1=$(MIM_USER="Dana Reyes" m --at 2026-11-03T10:00:00Z pir action add "$id" \
  "Put the spare parts register under change control" --owner "Raj Singh" --kind process --due 2026-11-10)
a2=$(MIM_USER="Dana Reyes" m --at 2026-11-03T10:05:00Z pir action add "$id" \
  "Pre-cable standby switches at every Globex office" --owner "Tom Okafor" --kind technical --due 2026-11-17)
MIM_USER="Dana Reyes" m --at 2026-11-04T14:30:00Z pir review "$id" internal --held-at 2026-11-04T14:00:00Z \
  --attendees "Dana Reyes, Alice Moreau, Raj Singh, Tom Okafor" \
  --feedback "Agreed the register gap was the real cause of the long outage."
MIM_USER="Dana Reyes" m --at 2026-11-05T16:30:00Z pir review "$id" client --held-at 2026-11-05T16:00:00Z \
  --attendees "Dana Reyes, Globex ops director" --adopted "$a1,$a2" \
  --feedback "Globex accepted both recommendations and asked for a quarterly parts audit."
MIM_USER="Raj Singh" m --at 2026-11-09T11:00:00Z pir action done "$id" "$a1" --note "Register is now a CMDB view"
MIM_USER="Tom Okafor" m --at 2026-11-16T15:00:00Z pir action done "$id" "$a2" --note "All three sites pre-cabled"
MIM_USER="Dana Reyes" m --at 2026-11-17T09:00:00Z close "$id" --csat 4
MIM_USER="Dana Reyes" m --at 2026-11-17T09:30:00Z pir report "$id" --client globex >/dev/null

# 3. Resolved, PIR under way with open actions: e-mail delays for Globex, restored by a
#    workaround with a problem ticket; the client asked for a review.
id=$(MIM_USER="Priya Shah" m --at 2026-11-18T13:05:00Z declare --title "Outbound e-mail delayed by hours" \
  --service "Exchange Online relay" --client globex --impact high --urgency medium --category application \
  --ci relay-02 --ticket GLX-48213 -m "Store managers report order confirmations arriving 2-3 hours late.")
MIM_USER="Alice Moreau" m --at 2026-11-18T13:20:00Z accept "$id"
MIM_USER="Alice Moreau" m --at 2026-11-18T13:40:00Z update "$id" --audience all \
  -m "Outbound mail is queueing at our relay. Messages are delayed, not lost." --status-line "Degraded: outbound mail delayed"
MIM_USER="Tom Okafor" m --at 2026-11-18T14:10:00Z note "$id" "Relay queue at 48k messages; smart host rejecting TLS 1.0" \
  --time 45m --activity diagnosis
MIM_USER="Alice Moreau" m --at 2026-11-18T14:35:00Z update "$id" --audience internal \
  -m "Cause found: the smart host dropped TLS 1.0. Rerouting through the secondary relay."
MIM_USER="Alice Moreau" m --at 2026-11-18T15:30:00Z update "$id" --audience all \
  -m "Mail is flowing through our secondary relay; the backlog is draining."
MIM_USER="Tom Okafor" m --at 2026-11-18T16:30:00Z resolve "$id" --closure workaround --workaround \
  --problem PRB-1207 -m "Mail now routes through the secondary relay; the queue drained by 16:20." --verified-by-client \
  --client-message "Outbound e-mail flows normally again, and every delayed message has been delivered."
MIM_USER="Dana Reyes" m --at 2026-11-19T10:00:00Z pir start "$id" --reason client-request --facilitator "Dana Reyes"
b1=$(MIM_USER="Dana Reyes" m --at 2026-11-19T11:00:00Z pir action add "$id" \
  "Alert on relay queue length above 5,000" --owner "Tom Okafor" --kind technical --due 2026-11-23)
MIM_USER="Dana Reyes" m --at 2026-11-19T11:05:00Z pir action add "$id" \
  "Send the first client update within 30 minutes for mail incidents" --owner "Alice Moreau" --due 2026-12-04 >/dev/null
MIM_USER="Dana Reyes" m --at 2026-11-19T11:10:00Z pir action add "$id" \
  "Globex to approve a standing change for relay failover" --owner "Globex IT" --kind client --due 2026-12-11 >/dev/null
MIM_USER="Tom Okafor" m --at 2026-11-21T09:00:00Z note "$id" "Queue alert drafted, waiting for the monitoring change window" \
  --time 1h --activity follow-up
MIM_USER="Dana Reyes" m --at 2026-11-21T09:30:00Z pir report "$id" >/dev/null

# 4. Active and breaching: ACME's payments API is down (P1).
id=$(MIM_USER="Priya Shah" m --at 2026-11-23T14:02:00Z declare --title "Payments API outage" \
  --service "Payments API" --client acme --impact high --urgency medium --category application \
  --ci pay-gw-01 --ticket ACME-99120 -m "Card payments fail with HTTP 503 for some ACME storefronts.")
MIM_USER="Alice Moreau" m --at 2026-11-23T14:31:00Z accept "$id"
MIM_USER="Alice Moreau" m --at 2026-11-23T14:38:00Z escalate "$id" --impact high --urgency high \
  --reason "Every ACME storefront is failing now, not some"
MIM_USER="Alice Moreau" m --at 2026-11-23T14:40:00Z plan "$id" \
  --approach "Roll the gateway back to the previous certificate, then re-issue the client certificate with ACME." \
  --workstream "gateway:Tom Okafor" --workstream "certificates:Dana Lee:DigiSign" \
  --bridge "https://meet.northwind.example/acme-payments" --stakeholder cfo@acme.example:client-management
MIM_USER="Alice Moreau" m --at 2026-11-23T14:45:00Z update "$id" --audience all \
  --status-line "Down: card payments failing" --eta 2026-11-23T17:00:00Z \
  -m "Card payments are failing for all ACME storefronts. We are rolling back this afternoon's certificate change."
MIM_USER="Dana Lee" m --at 2026-11-23T15:00:00Z escalate "$id" --kind vendor --to "DigiSign support" \
  --ref "DS-55120" --reason "Intermediate certificate missing from the new chain"
MIM_USER="Tom Okafor" m --at 2026-11-23T15:05:00Z note "$id" "Gateway pods crash-looping after the 14:00 certificate rotation" \
  --time 30m --activity diagnosis
MIM_USER="Alice Moreau" m --at 2026-11-23T15:20:00Z update "$id" --audience internal \
  -m 'Rollback failed: the old certificate expired at {{ time("14:00") }}. Waiting on a new client certificate.'
MIM_USER="Alice Moreau" m --at 2026-11-23T15:40:00Z hold "$id" --reason "Waiting for ACME to re-issue the client certificate"
MIM_USER="Alice Moreau" m --at 2026-11-23T16:25:00Z resume "$id"
MIM_USER="Alice Moreau" m --at 2026-11-23T16:30:00Z escalate "$id" --kind management --to "Dana Reyes" \
  --reason "P1 past half its restore target"
MIM_USER="Alice Moreau" m --at 2026-11-23T16:40:00Z plan "$id" --workstream-blocked certificates \
  --reason "DigiSign re-issue queued behind their own incident"
MIM_USER="Alice Moreau" m --at 2026-11-23T16:45:00Z update "$id" --audience client \
  -m "Payments are still failing. We are waiting on the certificate authority and will update you within the hour."

# 6. One shared platform, two clients: the hosted backup vault fails for ACME (its own
#    calendar, New York) and Globex (the business calendar, London). ACME is restored
#    first by failing over to the second vault; Globex's restore runs on.
id=$(MIM_USER="Priya Shah" m --at 2026-11-20T10:00:00Z declare --title "Hosted backup jobs failing" \
  --service "Hosted backup" --client acme --client globex --impact medium --urgency high \
  --category storage --ci backup-vault-01 -m "Nightly and hourly backup jobs fail with a vault timeout.")
MIM_USER="Alice Moreau" m --at 2026-11-20T10:10:00Z accept "$id"
MIM_USER="Alice Moreau" m --at 2026-11-20T10:20:00Z update "$id" --audience all \
  --status-line "Degraded: backups failing" \
  -m "Backup jobs are failing because our backup vault is not responding. Your data already backed up is safe."
MIM_USER="Tom Okafor" m --at 2026-11-20T11:40:00Z note "$id" "vault-01 controller hung; vault-02 has room for ACME's sets" \
  --time 1h --activity diagnosis
MIM_USER="Alice Moreau" m --at 2026-11-20T12:30:00Z affect "$id" --client acme --restored >/dev/null
MIM_USER="Alice Moreau" m --at 2026-11-20T13:00:00Z update "$id" --audience client \
  -m "Backups are still failing for you. We are replacing the controller of the vault that holds your backup sets."
MIM_USER="Tom Okafor" m --at 2026-11-20T15:00:00Z resolve "$id" --closure hardware-replaced \
  -m "The hung vault-01 controller was replaced; every backup job since 10:00 has been rerun." \
  --client-message "Backups run normally again, and every job that failed today has been rerun." >/dev/null
MIM_USER="Dana Reyes" m --at 2026-11-21T10:00:00Z pir start "$id" --reason required --facilitator "Dana Reyes"
c1=$(MIM_USER="Dana Reyes" m --at 2026-11-21T11:00:00Z pir action add "$id" \
  "Monitor vault controller health, not only job results" --owner "Tom Okafor" --kind technical --due 2026-12-05)
MIM_USER="Dana Reyes" m --at 2026-11-24T16:30:00Z pir review "$id" client --client acme \
  --held-at 2026-11-24T16:00:00Z --attendees "Dana Reyes, ACME IT operations lead" --adopted "$c1" \
  --feedback "ACME asked to be failed over to the second vault first next time."

# 5. Proposed: waiting for an incident manager.
MIM_USER="Priya Shah" m --at 2026-11-23T21:50:00Z declare --title "VPN drops for remote staff" \
  --service "Remote access VPN" --client globex --impact medium --urgency high --category network >/dev/null

rm -f incidents/.gitkeep
echo "rebuilt $out"
