#!/usr/bin/env bash
# Benchmark mim on a large repository: the example's incidents copied N times (default
# 400 copies, about 2,000 incidents), then `check` and `report` timed over 3 runs each.
# Needs a release build: cargo build --release. Not part of the test suite.
#   benches/scale.sh [COPIES]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mim=${MIM:-$here/target/release/mim}
copies=${1:-400}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/examples/acme-msp" "$work/repo"
cd "$work/repo/incidents"
originals=(*)
for i in $(seq 1 "$copies"); do
  for d in "${originals[@]}"; do cp -r "$d" "$d-b$i"; done
done
count=$(ls | wc -l)
cd "$work/repo"
export MIM_NOW=2026-11-24T09:00:00Z
for args in "check --format json" "report --format json"; do
  for run in 1 2 3; do
    /usr/bin/time -f "$count incidents: mim $args: %e s, %M KB max RSS" \
      "$mim" $args >/dev/null 2>"$work/time" || true
    tail -1 "$work/time"
  done
done
