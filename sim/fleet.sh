#!/usr/bin/env bash
# make fleet N=3: N devices behind nginx, with a Mosquitto broker, on one simulated bridge
# (sim/fleet_lib.sh), reachable at http://127.0.0.1:$PORT/. Stays in the foreground
# following every log; SIGINT or SIGTERM removes everything it created.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/sim/fleet_lib.sh"
N=${N:-3}
PORT=${PORT:-8090}

[ "$(id -u)" -eq 0 ] || { echo "fleet: needs root (namespaces, TAP devices); try sudo" >&2; exit 1; }
for tool in nginx mosquitto socat setpriv; do
  command -v "$tool" >/dev/null || { echo "fleet: $tool is missing: run make deps" >&2; exit 1; }
done
case $N in '' | *[!0-9]* | 0) echo "fleet: N must be 1-89" >&2; exit 2 ;; esac
[ "$N" -le 89 ] || { echo "fleet: N must be 1-89" >&2; exit 2; }
cleanup() {
  trap - INT TERM EXIT
  [ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null
  fleet_down
  echo "fleet: stopped, namespaces $FLEET_P-* removed"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

fleet_up "$N" || exit 1
fleet_forward "$PORT"
echo "fleet is up: http://127.0.0.1:$PORT/"
echo "  $N devices ($(fleet_dev_ip 0)...), nginx and Mosquitto at $FLEET_HUB_IP in namespace $(fleet_hub)"
echo "  telemetry: ip netns exec $(fleet_hub) mosquitto_sub -h $FLEET_HUB_IP -v -t 'edgeartist/#'"
echo "  logs in $FLEET_RUN; Ctrl-C stops"
logs=("$FLEET_RUN"/edge*.log "$FLEET_RUN/mosquitto.log" "$FLEET_RUN/nginx/error.log" "$FLEET_RUN/nginx/access.log")
touch "${logs[@]}"
tail -n +1 -F "${logs[@]}" 2>/dev/null &
tailpid=$!
wait "$tailpid"
