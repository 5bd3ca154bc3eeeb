#!/usr/bin/env bash
# Faults tier: the host firmware behind the emulated link of sim/link.sh (VDE wirefilter),
# each scenario of tests/faults/*.mjs a node test with its pass criterion, run inside the
# lab's namespace. Each scenario file gets a freshly started firmware on a clean wire; a file
# that must act while jobs run says "// pace-ms: N" and the firmware then spends at least N ms
# per generation step (--pace-ms). Rows for the README's table of faults go to
# build/faults/report.jsonl, each file's firmware log to build/faults/<file>.log.
#   FAULTS_FILES="tests/faults/x.mjs ..." picks files; FAULTS_GREP=<regexp> picks tests;
#   FIRMWARE=<binary> runs another build (the sanitized one: make SAN=1).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
export SIM_NS=${SIM_NS:-eafault$$} SIM_TAP=eatap0
. sim/lib.sh
. sim/link.sh
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
  name=$(basename "$f" .mjs)
  echo "-- $f"
  link_clear
  pace=$(sed -n 's|^// pace-ms: *\([0-9]*\).*|\1|p' "$f" | head -n 1)
  if ! link_firmware_start ${pace:+--pace-ms "$pace"}; then F=$((F + 1)); continue; fi
  ip netns exec "$SIM_NS" timeout 400 node --test --test-reporter=tap \
    ${FAULTS_GREP:+--test-name-pattern="$FAULTS_GREP"} "$f" >"$log" 2>&1
  grep -E '^# (pass|fail|cancelled)' "$log"
  node_failures "$log"
  grep -qE '^# pass' "$log" || tail -n 30 "$log"
  if grep -qE '^# fail [1-9]' "$log"; then
    # A device that stopped answering, or one stuck in a loop? Its CPU time over one second
    # (clock ticks) and its health, right after the failure.
    pid=$(cat "$SIM_RUN/firmware.pid")
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)
    sleep 1
    t2=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)
    h=$(ip netns exec "$SIM_NS" curl -s -m 3 "$EDGE_TARGET/api/health" | head -c 800)
    echo "after the failure: firmware CPU ${t1:-?} -> ${t2:-?} ticks in 1 s; health: ${h:-no answer in 3 s}"
  fi
  count_node "$log"
  fw="$SIM_RUN/firmware.log"
  cp "$fw" "build/faults/$name.log"
  if ! kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null; then
    echo "firmware died during $f; its log:"; tail -n 50 "$fw"
    F=$((F + 1))
  fi
  # A sanitizer's report in the firmware's log fails the file even if its tests passed.
  san='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'
  if grep -qE "$san" "$fw"; then
    echo "sanitizer report in the firmware's log during $f:"; grep -E -A 20 "$san" "$fw" | head -n 60
    F=$((F + 1))
  fi
done
rm -f "$log"
record faults "$P" "$F"
[ "$F" -eq 0 ]
