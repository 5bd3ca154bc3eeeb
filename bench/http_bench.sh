#!/usr/bin/env bash
# GET /api/health with wrk from inside the simulated network, for 1 and 16 connections:
# edgeartist (lwIP over TAP) against a peer (Python aiohttp on the namespace's kernel stack)
# measured in the same run. Prints a table; nothing is asserted.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export SIM_NS=${SIM_NS:-eabench$$} SIM_TAP=eabtap0
. sim/lib.sh
DUR=${DUR:-5}
sim_device_up --log-level warn || exit 1
ip netns exec "$SIM_NS" /usr/bin/python3 bench/peer_http.py "$SIM_HOST_IP" 8000 &
echo $! >"$SIM_RUN/peer.pid"
for _ in $(seq 50); do
  ip netns exec "$SIM_NS" curl -s -o /dev/null "http://$SIM_HOST_IP:8000/api/health" && break
  sleep 0.1
done

# CPU time the server spent (every thread, /proc/<pid>/schedstat, ns) per request served:
# what a request costs, whatever else the shared machine is doing.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ns += $1} END {print ns + 0}'; }
measure() { # name url conns pid -> "rps p50 p99 cpu_us_per_request"
  local a b
  a=$(cpu_ns "$4")
  ip netns exec "$SIM_NS" wrk -t1 -c"$3" -d"${DUR}s" --latency "$2" 2>/dev/null >"$SIM_RUN/wrk.out"
  b=$(cpu_ns "$4")
  awk -v a="$a" -v b="$b" '
    /^ +[0-9]+ requests in/ {n=$1}
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    END {printf "%s %s %s %.1f\n", rps, p50, p99, n ? (b - a) / 1000 / n : 0}' "$SIM_RUN/wrk.out"
}
dev_pid=$(cat "$SIM_RUN/firmware.pid")
peer_pid=$(cat "$SIM_RUN/peer.pid")
printf '%-22s %5s %12s %10s %10s %14s\n' server conns "requests/s" p50 p99 "CPU us/req"
for c in 1 16; do
  for s in edgeartist aiohttp-peer; do
    url="http://$SIM_DEV_IP/api/health" pid=$dev_pid
    [ $s = aiohttp-peer ] && url="http://$SIM_HOST_IP:8000/api/health" pid=$peer_pid
    read -r rps p50 p99 cpu < <(measure $s "$url" $c "$pid")
    printf '%-22s %5d %12s %10s %10s %14s\n' $s $c "$rps" "$p50" "$p99" "$cpu"
  done
done
echo
echo "wrk -t1 -d${DUR}s --latency inside namespace $SIM_NS; device $SIM_DEV_IP (TAP), peer $SIM_HOST_IP:8000"
