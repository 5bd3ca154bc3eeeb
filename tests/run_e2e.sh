#!/usr/bin/env bash
# End-to-end tier: the host firmware on a TAP device in a namespace of its own, driven by
# real clients running inside that namespace. Everything is removed on exit, also on failure.
#   FIRMWARE=<binary> runs another build, recorded as tier E2E_TIER (san: make SAN=1's,
#   valgrind: under FIRMWARE_WRAP). A sanitizer or valgrind report in a firmware log fails it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
export SIM_NS=${SIM_NS:-eatest$$} SIM_TAP=eatap0
. sim/lib.sh
P=0; F=0
sim_device_up || { record "${E2E_TIER:-e2e}" 0 1; exit 1; }
export EDGE_TARGET="http://$SIM_DEV_IP:80"
# HTTPS on the same device, its certificate signed by the local CA of `make certs`.
export EDGE_TLS_TARGET="https://$SIM_DEV_IP:443" EDGE_CA="$top/build/certs/ca.crt"
export NODE_EXTRA_CA_CERTS="$EDGE_CA"
log=$(mktemp)
inns() { ip netns exec "$SIM_NS" "$@"; }

# E2E_FILES: a selection of tests/e2e files, by name or path, globs allowed (default: all).
# E2E_SKIP: files to leave out (names), for a slower target that cannot meet their timing.
selected() {
  local x
  for x in ${E2E_SKIP:-}; do [ "${1##*/}" = "${x##*/}" ] && return 1; done
  [ -z "${E2E_FILES:-}" ] && return 0
  local w
  for w in $E2E_FILES; do case ${1##*/} in ${w##*/}) return 0 ;; esac; done
  return 1
}
run_node() {
  echo "-- $1"
  inns timeout 600 node --test --test-reporter=tap "$1" >"$log" 2>&1
  grep -E '^# (pass|fail|skipped)' "$log"
  node_failures "$log"
  grep -qE '^# pass' "$log" || tail -n 30 "$log"
  count_node "$log"
}
# node's test runner, TAP output, one file at a time so that a slow file cannot hide another.
# The browser files (pages_*.mjs) run last, against the same device restarted with
# --pace-ms, so that a job lasts long enough to be cut mid-way; the others see no pacing.
for f in tests/e2e/*.mjs; do
  case $f in */target.mjs | */pages_*.mjs) continue ;; esac
  selected "$f" && run_node "$f"
done
# Python clients (Debian's packages, system interpreter); each prints "N passed, N failed".
for f in tests/e2e/*_test.py; do
  [ -f "$f" ] || continue
  selected "$f" || continue
  echo "-- $f"
  inns timeout 600 /usr/bin/python3 "$f" >"$log" 2>&1
  grep -E '^FAIL ' "$log" # which one, before its traceback
  tail -n 5 "$log"
  grep -qE '[0-9]+ passed' "$log" || F=$((F + 1))
  count_plain "$log"
done
if ! kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null; then
  echo "firmware died during the tests; its log:"; tail -n 50 "$SIM_RUN/firmware.log"
  F=$((F + 1))
fi
pages=$(for f in tests/e2e/pages_*.mjs; do [ -f "$f" ] && selected "$f" && echo "$f"; done)
if [ -n "$pages" ]; then
  pid=$(cat "$SIM_RUN/firmware.pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  mv "$SIM_RUN/firmware.log" "$SIM_RUN/firmware-unpaced.log"
  sim_start_firmware "${FIRMWARE:-$top/build/linux/edgeartist}" --pace-ms "${E2E_PACE_MS:-80}"
  if sim_wait_http "${SIM_WAIT_SECS:-15}"; then
    export EDGE_PACE_MS=${E2E_PACE_MS:-80} # the pace, for the tests that check it
    for f in $pages; do run_node "$f"; done
  else
    echo "the paced device did not answer"; F=$((F + 1))
  fi
  if ! kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null; then
    echo "paced firmware died during the tests; its log:"; tail -n 50 "$SIM_RUN/firmware.log"
    F=$((F + 1))
  fi
fi
# Stop the firmware the way a user does (SIGTERM), so that LeakSanitizer and valgrind write
# their summaries, then look for any report in its logs.
fpid=$(cat "$SIM_RUN/firmware.pid" 2>/dev/null)
if [ -n "$fpid" ] && kill -0 "$fpid" 2>/dev/null; then
  kill "$fpid"
  for _ in $(seq 100); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.1; done
fi
mkdir -p build/e2e
cat "$SIM_RUN"/firmware-unpaced.log "$SIM_RUN/firmware.log" 2>/dev/null >"build/e2e/${E2E_TIER:-e2e}-firmware.log"
san='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|ERROR SUMMARY: [1-9]|Invalid (read|write)|uninitialised'
if grep -qE "$san" "build/e2e/${E2E_TIER:-e2e}-firmware.log"; then
  echo "sanitizer or valgrind report in the firmware's log:"
  grep -E -B 2 -A 20 "$san" "build/e2e/${E2E_TIER:-e2e}-firmware.log" | head -n 80
  F=$((F + 1))
fi
rm -f "$log"
record "${E2E_TIER:-e2e}" "$P" "$F"
[ "$F" -eq 0 ]
