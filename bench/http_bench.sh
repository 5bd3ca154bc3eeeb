#!/usr/bin/env bash
# GET /api/health with wrk from inside the simulated network, for 1 and 16 connections:
# edgeartist (lwIP over TAP) against a peer (Python aiohttp on the namespace's kernel stack)
# measured in the same run. Prints a table; nothing is asserted.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export SIM_NS=eabench SIM_TAP=eabtap0
. sim/lib.sh
DUR=${DUR:-5}
sim_device_up --log-level warn || exit 1
ip netns exec "$SIM_NS" /usr/bin/python3 bench/peer_http.py "$SIM_HOST_IP" 8000 &
echo $! >"$SIM_RUN/peer.pid"
for _ in $(seq 50); do
  ip netns exec "$SIM_NS" curl -s -o /dev/null "http://$SIM_HOST_IP:8000/api/health" && break
  sleep 0.1
done

measure() { # name url conns -> "rps p50 p99"
  ip netns exec "$SIM_NS" wrk -t1 -c"$3" -d"${DUR}s" --latency "$2" 2>/dev/null | awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    END {print rps, p50, p99}'
}
printf '%-22s %5s %12s %10s %10s\n' server conns "requests/s" p50 p99
for c in 1 16; do
  for s in edgeartist aiohttp-peer; do
    url="http://$SIM_DEV_IP/api/health"; [ $s = aiohttp-peer ] && url="http://$SIM_HOST_IP:8000/api/health"
    read -r rps p50 p99 < <(measure $s "$url" $c)
    printf '%-22s %5d %12s %10s %10s\n' $s $c "$rps" "$p50" "$p99"
  done
done
echo
echo "wrk -t1 -d${DUR}s --latency inside namespace $SIM_NS; device $SIM_DEV_IP (TAP), peer $SIM_HOST_IP:8000"
