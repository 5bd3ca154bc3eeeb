#!/usr/bin/env bash
# make run: the device on a simulated network, reachable at http://127.0.0.1:$PORT/ and
# https://127.0.0.1:$TLS_PORT/ (its certificate is signed by build/certs/ca.crt).
# Stays in the foreground; SIGINT or SIGTERM removes everything it created.
#   PORT (8080), TLS_PORT (8443), SIM_NS (edgeartist): change them to run beside another.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/sim/lib.sh"
PORT=${PORT:-8080}
TLS_PORT=${TLS_PORT:-8443}
BIN=${BIN:-$top/build/linux/edgeartist}

sim_need_root || exit 1
cleanup() {
  trap - INT TERM EXIT
  sim_down
  echo "edgeartist: stopped, namespace $SIM_NS removed"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

sim_up || { echo "sim: could not create namespace $SIM_NS" >&2; exit 1; }
# PACE_MS=N (make run PACE_MS=100): every step takes at least N ms, as on a real board.
sim_start_firmware "$BIN" ${PACE_MS:+--pace-ms "$PACE_MS"} ${EDGE_ARGS:-}
if ! sim_wait_http 15; then
  echo "edgeartist: device did not answer; its log:" >&2
  cat "$SIM_RUN/firmware.log" >&2
  exit 1
fi
sim_forward "$PORT" 80
sim_forward "$TLS_PORT" 443
echo "edgeartist is up: http://127.0.0.1:$PORT/ https://127.0.0.1:$TLS_PORT/"
echo "  (device $SIM_DEV_IP in namespace $SIM_NS; log: $SIM_RUN/firmware.log; Ctrl-C stops)"
# Follow the device's log in the foreground until a signal or the firmware exits.
tail -n +1 -f "$SIM_RUN/firmware.log" --pid "$(cat "$SIM_RUN/firmware.pid")" &
tailpid=$!
wait "$tailpid"
