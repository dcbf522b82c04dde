#!/usr/bin/env bash
# Render what people look at — the KPI report, a PIR report, a client's status page, one
# incident's page and one status e-mail's HTML part — from the example repository, and
# take a full-page screenshot of each with headless Chromium, so a reviewer can look at
# the PNGs (the README shows them, from docs/screenshots/). Not part of `cargo test`:
# it needs a browser.
#
#   scripts/browser-check.sh [OUT_DIR]      (default: target/browser-check)
#
# Needs, and installs nothing itself:
#   - mim, built: `cargo build` (or set MIM=/path/to/mim)
#   - Chromium: `apt-get install chromium` on Debian/Ubuntu (or set CHROMIUM=/path/to/it;
#     chromium-browser, google-chrome and google-chrome-stable are found too)
#   - python3 (standard library only), to take the HTML part out of an .eml file
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$here/target/browser-check}" && cd "${1:-$here/target/browser-check}" && pwd)
mim=${MIM:-${CARGO_TARGET_DIR:-$here/target}/debug/mim}
[ -x "$mim" ] || { echo "mim not found at $mim: run \`cargo build\` or set MIM" >&2; exit 2; }
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$b" >/dev/null; then browser=$b; break; fi
  done
fi
[ -n "$browser" ] || { echo "Chromium not found: apt-get install chromium, or set CHROMIUM" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to read the e-mail" >&2; exit 2; }

# Work on a copy: rendering the PIR report writes into the incident directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/examples/acme-msp" "$work/repo"
export MIM_NOW=2026-11-24T09:00:00Z MIM_USER="Browser Check" NO_COLOR=1
m() { "$mim" -C "$work/repo" --no-commit "$@"; }

m report --format html -o "$out/kpi-report.html" 2>/dev/null
pir=2026-11-02-leeds-office-network-down
m --at 2026-11-24T09:00:00Z pir report "$pir" --format html >/dev/null
cp "$work/repo/incidents/$pir/pir-report.html" "$out/pir-report.html"
m site -o "$out/site" 2>/dev/null
python3 - "$work/repo/incidents/2026-11-23-payments-api-outage/outbox/20261123T144500Z-u1-client.eml" "$out/email-client-update.html" <<'PY'
import email, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
part = msg.get_body(preferencelist=("html",))
open(sys.argv[2], "w", encoding="utf-8").write(part.get_content())
PY

# The browser's flags: headless, and nothing fetched from the network.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --disable-quic)

# How tall a page is at a width: a copy with a line of script that writes the height
# into the DOM, which --dump-dom prints (the pages themselves have no script).
height() {  # HTML file, width
  local probe="${1%.html}.height-probe.html"
  sed 's|</body>|<script>document.body.setAttribute("data-height", Math.ceil(document.documentElement.scrollHeight))</script></body>|' "$1" >"$probe"
  local h
  h=$("$browser" "${flags[@]}" --window-size="$2,100" --dump-dom "file://$probe" 2>/dev/null \
      | sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n 1)
  rm -f "$probe"
  echo "${h:-1800}"
}

shot() {  # HTML file, PNG name, window width: the whole page, however long
  local width="${3:-1200}"
  # Headless Chromium keeps about 90 pixels of the window for itself.
  "$browser" "${flags[@]}" --window-size="$width,$(( $(height "$1" "$width") + 90 ))" \
    --screenshot="$out/$2" "file://$1" >/dev/null 2>&1
  echo "$out/$2"
}
incident=2026-11-23-payments-api-outage.html
shot "$out/kpi-report.html" kpi-report.png
shot "$out/pir-report.html" pir-report.png
shot "$out/site/acme/index.html" status-page-acme.png
shot "$out/site/acme/index.html" status-page-acme-phone.png 420
shot "$out/site/acme/incidents/$incident" status-incident-acme.png
shot "$out/email-client-update.html" email-client-update.png 800
