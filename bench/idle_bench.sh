#!/usr/bin/env bash
# Idle cost: the host firmware's CPU time and superloop passes while idle, with no
# connection and with 32 idle WebSocket connections (each open on /ws, nothing sent), against
# the Python aiohttp peer (bench/events_peer.py) holding the same connections, in one run.
# CPU time and wake-ups from /proc/<pid>/schedstat (ns on the CPU, timeslices run) over SECS
# seconds: each wake-up from a sleep is one timeslice. Prints a table; nothing is asserted.
# Usage: SECS=10 bench/idle_bench.sh     (run as root: namespaces)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
SECS=${SECS:-10}
export SIM_NS=${SIM_NS:-eaidle$$} SIM_TAP=eaidtap0
. sim/lib.sh
PEER_PORT=8099
sim_device_up --log-level warn || exit 1
ip netns exec "$SIM_NS" /usr/bin/python3 bench/events_peer.py $PEER_PORT >"$SIM_RUN/peer.log" 2>&1 &
echo $! >"$SIM_RUN/peer.pid"
inns() { ip netns exec "$SIM_NS" "$@"; }
for _ in $(seq 50); do
  inns curl -s -m 1 -o /dev/null "http://127.0.0.1:$PEER_PORT/api/health" && break
  sleep 0.1
done
dev_pid=$(cat "$SIM_RUN/firmware.pid")
# ip netns exec runs the program in place (exec): the recorded pid is the server's.
peer_pid=$(cat "$SIM_RUN/peer.pid")
# Every thread of the process (aiohttp may have helpers): "ns slices".
sched() { cat /proc/"$1"/task/*/schedstat | awk '{ns += $1; n += $3} END {print ns, n}'; }

# Holds N WebSocket connections open and silent for S seconds (raw sockets: no client
# library timers), then closes them.
hold() { # host port n secs
  inns /usr/bin/python3 - "$@" <<'PY'
import socket, sys, time
host, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
req = (f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
socks = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.sendall(req)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert b" 101 " in head, head[:80]
    socks.append(s)
print("open", flush=True)
time.sleep(secs)
for s in socks: s.close()
PY
}

measure() { # pid -> "cpu% wakeups/s"
  local a b
  a=$(sched "$1")
  sleep "$SECS"
  b=$(sched "$1")
  awk -v a="$a" -v b="$b" -v s="$SECS" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.3f %.1f\n", (y[1] - x[1]) / 1e9 / s * 100, (y[2] - x[2]) / s }'
}

sleep 1
printf '| server | connections | CPU %% (of one core) | wake-ups/s |\n| --- | ---: | ---: | ---: |\n'
read -r c w < <(measure "$dev_pid"); printf '| device | 0 | %s | %s |\n' "$c" "$w"
read -r c w < <(measure "$peer_pid"); printf '| peer (aiohttp) | 0 | %s | %s |\n' "$c" "$w"
for who in device peer; do
  if [ $who = device ]; then h=$SIM_DEV_IP; p=80; pid=$dev_pid; else h=127.0.0.1; p=$PEER_PORT; pid=$peer_pid; fi
  coproc HOLD { hold "$h" "$p" 32 $((SECS + 4)); }
  read -r _ <&"${HOLD[0]}"   # "open"
  sleep 1
  read -r c w < <(measure "$pid")
  wait "$HOLD_PID" 2>/dev/null
  printf '| %s | 32 idle WebSocket | %s | %s |\n' "$([ $who = device ] && echo device || echo 'peer (aiohttp)')" "$c" "$w"
  sleep 1
done
echo
echo "CPU and wake-ups: /proc/<pid>/task/*/schedstat over ${SECS} s (ns on the CPU; timeslices run)."
echo "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
