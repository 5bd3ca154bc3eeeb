#!/usr/bin/env bash
# Socket.IO, device vs node's socket.io 4.8 server and Debian's python-socketio emitting the
# same events on the same schedule, in one run (issue 15 "Numbers to report"):
#  - event delivery p50/p99 and fan-out skew for 1, 8 and 32 socket.io-client 4.8 sockets
#    following one job (websocket transport), from the producer's step to arrival;
#  - polling round trips per second (an acked emit: POST plus the parked GET's answer);
#  - RAM per session: the device's static cost (linked image) against the peers' resident
#    memory per connected client;
#  - flash the Socket.IO server adds (Cortex-M4 objects, client library included).
# The host firmware on a TAP device in a namespace of its own; the peers on 127.0.0.1 in the
# same namespace; the clients there too.
# Usage: bench/sio_bench.sh [JOBS=5] [STEPS=20] [PARTS="latency poll rss"]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
JOBS=${1:-5}
STEPS=${2:-20}
PARTS=${3:-latency poll rss}
export SIM_NS=${SIM_NS:-siobench$$} SIM_TAP=siobtap0
. sim/lib.sh
NODE_PORT=8098 PY_PORT=8097
sim_device_up || exit 1
make --no-print-directory -j2 BOARD=mps2-an386 all >/dev/null || echo "no Cortex-M4 build: flash figures left out" >&2
ip netns exec "$SIM_NS" node --expose-gc bench/sio_peer_node.mjs $NODE_PORT >"$SIM_RUN/peer-node.log" 2>&1 &
echo $! >"$SIM_RUN/peer-node.pid"
ip netns exec "$SIM_NS" /usr/bin/python3 bench/sio_peer_py.py $PY_PORT >"$SIM_RUN/peer-py.log" 2>&1 &
echo $! >"$SIM_RUN/peer-py.pid"
# sim_down removes the namespace; the peers are ours, stopped by pid.
trap 'kill $(cat "$SIM_RUN/peer-node.pid" "$SIM_RUN/peer-py.pid" 2>/dev/null) 2>/dev/null; sim_down' EXIT
for p in $NODE_PORT $PY_PORT; do
  for _ in $(seq 100); do
    ip netns exec "$SIM_NS" curl -s -m 1 -o /dev/null "http://127.0.0.1:$p/api/health" && break
    sleep 0.1
  done
done
inns() { ip netns exec "$SIM_NS" "$@"; }
out=$(mktemp)
declare -A url=([device]="http://$SIM_DEV_IP:80" [node]="http://127.0.0.1:$NODE_PORT" [python]="http://127.0.0.1:$PY_PORT")
for n in 1 8 32; do
  case " $PARTS " in *" latency "*) ;; *) break ;; esac
  for k in device node python; do
    inns timeout 600 node bench/sio_bench.mjs "${url[$k]}" latency $n "$STEPS" "$JOBS" $k >>"$out" || echo "$k latency $n failed" >&2
    sleep 0.5
  done
done
for k in device node python; do
  case " $PARTS " in *" poll "*) ;; *) break ;; esac
  inns timeout 60 node bench/sio_bench.mjs "${url[$k]}" poll 1 0 0 $k >>"$out" || echo "$k poll failed" >&2
done
for k in node python; do
  case " $PARTS " in *" rss "*) ;; *) break ;; esac
  inns timeout 60 node bench/sio_bench.mjs "${url[$k]}" rss 1 0 0 $k >>"$out" || echo "$k rss failed" >&2
done
nm -S build/linux/edgeartist >"$out.host"
[ -f build/mps2-an386/edgeartist.elf ] && nm -S build/mps2-an386/edgeartist.elf >"$out.mps"
arm-none-eabi-size build/mps2-an386/app/sio/*.o 2>/dev/null >"$out.size"
maxc=$(grep -E "^#define MAX_CONNS " app/config.h | awk '{print $3}')
maxs=$(grep -E "^#define MAX_SIO_SESSIONS " app/config.h | awk '{print $3}')

/usr/bin/python3 - "$out" "$maxc" "$maxs" "$JOBS" "$STEPS" <<'PY'
import json, os, sys
out, maxc, maxs, jobs, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(out) if l.startswith('{')]
lat = {(r['kind'], r['n']): r for r in rows if r['mode'] == 'latency'}
print(f"\nSocket.IO event delivery, step -> arrival at the client (us); {jobs} jobs x {steps} steps per row, websocket")
print("| sockets | device p50 | device p99 | socket.io 4.8 p50 | p99 | python-socketio p50 | p99 | skew p99 device / node / python |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
f = lambda r, k: f"{r[k]:.0f}" if r else "-"
for n in (1, 8, 32):
    d, o, p = lat.get(('device', n)), lat.get(('node', n)), lat.get(('python', n))
    print(f"| {n} | {f(d,'p50')} | {f(d,'p99')} | {f(o,'p50')} | {f(o,'p99')} | {f(p,'p50')} | {f(p,'p99')} | {f(d,'skew99')} / {f(o,'skew99')} / {f(p,'skew99')} |")
rtts = sorted({round(r['rtt'] / 2) for r in rows if r['mode'] == 'latency' and r['kind'] == 'device'})
print(f"Device figures carry +-RTTmin/2 = {rtts} us from the clock-offset estimate (see bench/sio_bench.mjs); skews are exact.")
poll = {r['kind']: r['round_trips_per_s'] for r in rows if r['mode'] == 'poll'}
print("\nPolling round trips per second (one client, acked emit = POST + parked GET answered)")
print("| device | socket.io 4.8 | python-socketio |\n| ---: | ---: | ---: |")
print(f"| {poll.get('device','-')} | {poll.get('node','-')} | {poll.get('python','-')} |")

def syms(path):
    if not os.path.exists(path): return None
    size = {}
    for l in open(path):
        x = l.split()
        if len(x) == 4: size[x[3]] = int(x[1], 16)
    return size
print("\nRAM per Socket.IO session")
print("| server | bytes per session or client | how |\n| --- | ---: | --- |")
for name, path in (('host build, 64-bit', out + '.host'), ('mps2-an386, 32-bit', out + '.mps')):
    s = syms(path)
    if not s: continue
    sess = s['sio_table'] // maxs
    conn = s['conns'] // maxc + s['memp_memory_TCP_PCB_base'] // (maxc + 4) + s['memp_memory_ALTCP_PCB_base'] // (maxc + 7)
    print(f"| device ({name}) | {sess} polling, {sess + conn} websocket | session slot {sess} (a polling session holds no connection between requests); websocket adds a connection slot + PCBs {conn}; static (nm); shared: poll buffer {s.get('poll_buf', 0)}, WS assembly {s.get('asm_buf', 0)} |")
for r in rows:
    if r['mode'] == 'rss':
        print(f"| {'socket.io 4.8 (node)' if r['kind'] == 'node' else 'python-socketio (aiohttp)'} | {r['per_client_bytes']} | RSS with 33 websocket clients {r['rss33_kb']} KB - with 1 {r['rss1_kb']} KB, / 32 |")
        if 'heap_per_client_bytes' in r:
            print(f"| socket.io 4.8 (node), V8 heap + external | {r['heap_per_client_bytes']} | after a collection, with 33 clients {r['heap33_kb']} KB - with 1 {r['heap1_kb']} KB, / 32 |")
if os.path.exists(out + '.size'):
    tot = 0; lib = 0
    for l in open(out + '.size'):
        x = l.split()
        if len(x) >= 6 and x[0].isdigit():
            t = int(x[0]) + int(x[1])
            tot += t
    js = 'tests/e2e/node_modules/socket.io-client/dist/socket.io.min.js'
    import gzip
    lib = len(gzip.compress(open(js, 'rb').read(), 9, mtime=0)) if os.path.exists(js) else 0
    print(f"\nFlash added (mps2-an386): app/sio code {tot} B; socket.io.min.js in the asset table, {lib} B gzip + {os.path.getsize(js) if lib else 0} B plain")
PY
rm -f "$out" "$out.host" "$out.mps" "$out.size"
