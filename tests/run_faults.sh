#!/usr/bin/env bash
# Faults tier: the host firmware behind the emulated link of sim/link.sh (VDE wirefilter),
# each scenario of tests/faults/*.mjs a node test with its pass criterion, run inside the
# lab's namespace. The firmware runs at a microcontroller's pace (EDGE_SLOW_PASS_US) so that
# faults happen while jobs run. Rows for the README's table go to build/faults/report.jsonl.
#   FAULTS_FILES="tests/faults/x.mjs ..." picks scenarios; FIRMWARE=<binary> runs another
#   build (the sanitized one: make SAN=1); FAULTS_GREP=<regexp> runs the matching tests only.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
export SIM_NS=${SIM_NS:-eafault$$} SIM_TAP=eatap0
. sim/lib.sh
. sim/link.sh
export EDGE_SLOW_PASS_US=${EDGE_SLOW_PASS_US:-200}
export LINK_FIRMWARE=${FIRMWARE:-}
P=0; F=0
mkdir -p build/faults
export FAULTS_REPORT=${FAULTS_REPORT:-$top/build/faults/report.jsonl}
: >"$FAULTS_REPORT"
link_device_up || { record faults 0 1; exit 1; }
export EDGE_TARGET="http://$SIM_DEV_IP:80"
log=$(mktemp)
files=${FAULTS_FILES:-$(ls tests/faults/*.mjs)}
for f in $files; do
  echo "-- $f"
  link_clear
  ip netns exec "$SIM_NS" timeout 300 node --test --test-reporter=tap \
    ${FAULTS_GREP:+--test-name-pattern="$FAULTS_GREP"} "$f" >"$log" 2>&1
  grep -E '^# (pass|fail)' "$log"
  node_failures "$log"
  grep -qE '^# pass' "$log" || { tail -n 30 "$log"; F=$((F + 1)); }
  count_node "$log"
done
if ! kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null; then
  echo "firmware died during the scenarios; its log:"; tail -n 50 "$SIM_RUN/firmware.log"
  F=$((F + 1))
fi
# A sanitizer's report in the firmware's log is a failure even if every scenario passed.
if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$SIM_RUN/firmware.log"; then
  echo "sanitizer report in the firmware's log:"; grep -E -A 20 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$SIM_RUN/firmware.log" | head -n 60
  F=$((F + 1))
fi
cp "$SIM_RUN/firmware.log" build/faults/firmware.log
rm -f "$log"
record faults "$P" "$F"
[ "$F" -eq 0 ]
