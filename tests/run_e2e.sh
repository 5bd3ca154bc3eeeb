#!/usr/bin/env bash
# End-to-end tier: the host firmware on a TAP device in a namespace of its own, driven by
# real clients running inside that namespace. Everything is removed on exit, also on failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
export SIM_NS=${SIM_NS:-eatest$$} SIM_TAP=eatap0
. sim/lib.sh
P=0; F=0
sim_device_up || { record e2e 0 1; exit 1; }
export EDGE_TARGET="http://$SIM_DEV_IP:80"
# HTTPS on the same device, its certificate signed by the local CA of `make certs`.
export EDGE_TLS_TARGET="https://$SIM_DEV_IP:443" EDGE_CA="$top/build/certs/ca.crt"
export NODE_EXTRA_CA_CERTS="$EDGE_CA"
log=$(mktemp)
inns() { ip netns exec "$SIM_NS" "$@"; }

# E2E_FILES (space-separated names in tests/e2e, paths or globs) runs only those files.
want() { # file -> true when E2E_FILES selects it
  [ -z "${E2E_FILES:-}" ] && return 0
  local w
  for w in $E2E_FILES; do case $f in $w | tests/e2e/$w) return 0 ;; esac; done
  return 1
}
# node's test runner, TAP output, one file at a time so that a slow file cannot hide another.
for f in tests/e2e/*.mjs; do
  case $f in */target.mjs) continue ;; esac
  want || continue
  echo "-- $f"
  inns timeout 600 node --test --test-reporter=tap "$f" >"$log" 2>&1
  grep -E '^# (pass|fail)' "$log"
  node_failures "$log"
  grep -qE '^# pass' "$log" || { tail -n 30 "$log"; F=$((F + 1)); }
  count_node "$log"
done
# Python clients (Debian's packages, system interpreter); each prints "N passed, N failed".
for f in tests/e2e/*_test.py; do
  [ -f "$f" ] || continue
  want || continue
  echo "-- $f"
  inns timeout 600 /usr/bin/python3 "$f" >"$log" 2>&1
  tail -n 5 "$log"
  grep -qE '[0-9]+ passed' "$log" || F=$((F + 1))
  count_plain "$log"
done
if ! kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null; then
  echo "firmware died during the tests; its log:"; tail -n 50 "$SIM_RUN/firmware.log"
  F=$((F + 1))
fi
rm -f "$log"
record e2e "$P" "$F"
[ "$F" -eq 0 ]
