#!/usr/bin/env bash
# Fleet tier: N=3 devices behind nginx with Mosquitto (sim/fleet_lib.sh), a fleet of its own
# per run (namespaces <prefix>-*), removed on exit.
#  1. the end-to-end suite through nginx, each file from another client address, then
#     tests/e2e/fleet/*.mjs: spread over devices, routing by id, telemetry, failover;
#  2. the browser pages, against a fresh fleet paced as the e2e tier paces its device.
# FLEET_FILES="fleet_2_failover.mjs jobs_sse.mjs" runs only those files.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
export FLEET_P=${FLEET_P:-ft$$}
export FLEET_N=${FLEET_N:-3}
. sim/fleet_lib.sh
P=0; F=0
for tool in nginx mosquitto mosquitto_sub setpriv socat node; do
  command -v "$tool" >/dev/null || { echo "fleet: $tool missing (make deps)"; record fleet 0 1; exit 1; }
done
make --no-print-directory -j2 BOARD=linux all >/dev/null || { record fleet 0 1; exit 1; }
trap 'fleet_down' EXIT
trap 'exit 1' INT TERM
fleet_up "$FLEET_N" || { record fleet 0 1; exit 1; }
export EDGE_PROXIED=1 EDGE_TARGET=$(fleet_url) FLEET_RUN FLEET_N FLEET_NET FLEET_CLIENTS
export FLEET_HUB_IP
cl=$(fleet_cl)
log=$(mktemp)
# Clients pick their source address: a file run in the client namespace leaves from the
# address its route names (one file, one client address; nginx hashes on it).
from() { ip -n "$cl" route replace "$FLEET_NET.0/24" dev eth0 src "$(fleet_client_ip "$1")"; }

# FLEET_FILES: a selection, by name or path, globs allowed (default: all).
selected() {
  [ -z "${FLEET_FILES:-}" ] && return 0
  local w
  for w in $FLEET_FILES; do case ${1##*/} in ${w##*/}) return 0 ;; esac; done
  return 1
}
# The device's own HTTP parser is what http_malformed tests byte for byte; through nginx it
# meets nginx's parser instead (its own 400s), so that file is left to the e2e tier. The TLS
# files test the device's own TLS on its port 443; the fleet's nginx serves plain HTTP on
# its address (TLS would end at nginx, with nginx's certificate), so they stay there too.
skip_proxied=' http_malformed.mjs tls.mjs tls_browser.mjs tls_sio.mjs '
i=0
run_file() {
  local f=$1 k
  i=$((i + 1)); k=$(( (i - 1) % FLEET_CLIENTS + 1 ))
  from "$k"
  echo "-- $f (from $(fleet_client_ip "$k"))"
  case $f in
    *.py)
      ip netns exec "$cl" timeout 300 /usr/bin/python3 "$f" >"$log" 2>&1
      tail -n 3 "$log"
      grep -qE '[0-9]+ passed' "$log" || F=$((F + 1))
      count_plain "$log" ;;
    *)
      ip netns exec "$cl" timeout 300 node --test --test-reporter=tap "$f" >"$log" 2>&1
      grep -E '^# (pass|fail|skipped)' "$log"
      # Figures the tests measured (t.diagnostic), for the README and the bench.
      grep -E '^ *# ' "$log" | grep -vE '# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms|Subtest)' | sed 's/^ */  /'
      node_failures "$log"
      grep -qE '^# pass' "$log" || tail -n 30 "$log"
      count_node "$log" ;;
  esac
}
# Every device still up but the one the failover test kills on purpose (it says which).
check_devices() {
  for k in $(seq 0 $((FLEET_N - 1))); do
    [ -f "$FLEET_RUN/edge$k.killed" ] && continue
    if ! kill -0 "$(cat "$FLEET_RUN/edge$k.pid")" 2>/dev/null; then
      echo "device $k died during the tests; its log:"; tail -n 40 "$FLEET_RUN/edge$k.log"
      F=$((F + 1))
    fi
  done
}
# 1. The e2e suite but the pages, then the fleet's own files (the failover test last: it
#    leaves a device dead).
for f in tests/e2e/*.mjs tests/e2e/*_test.py tests/e2e/fleet/*.mjs; do
  [ -f "$f" ] || continue
  case $f in */target.mjs | */pages_*.mjs) continue ;; esac
  case $skip_proxied in *" ${f##*/} "*) continue ;; esac
  selected "$f" && run_file "$f"
done
check_devices
# 2. The browser pages, as the e2e tier runs them: against devices paced so that a job lasts
#    long enough to be watched (a fresh fleet: the failover test took a device).
pages=$(for f in tests/e2e/pages_*.mjs; do [ -f "$f" ] && selected "$f" && echo "$f"; done)
if [ -n "$pages" ]; then
  fleet_down
  export EDGE_PACE_MS=${E2E_PACE_MS:-80}
  if FLEET_DEV_ARGS="--pace-ms $EDGE_PACE_MS" fleet_up "$FLEET_N"; then
    for f in $pages; do run_file "$f"; done
    check_devices
  else
    echo "the paced fleet did not come up"; F=$((F + 1))
  fi
fi
rm -f "$log"
record fleet "$P" "$F"
[ "$F" -eq 0 ]
