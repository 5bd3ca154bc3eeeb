#!/usr/bin/env bash
# Event delivery latency, device vs a Python aiohttp peer, in one run (DESIGN.md "Numbers").
# The host firmware on a TAP device in a namespace of its own; the peer (bench/events_peer.py,
# Debian's python3-aiohttp) in the same namespace on 127.0.0.1; node clients in the namespace.
# For 1, 8 and 32 subscribers over WebSocket and SSE: p50/p99 of the time from the producer's
# step boundary to the event's arrival at the client, and the fan-out skew (last minus first
# subscriber to receive the same event). Then RAM per subscriber: the device's static cost
# (from the linked image) against the peer's resident memory (RSS with 32 vs 1 subscribers).
# Each row is measured twice at the clients: with the node client (bench/events_bench.mjs,
# one process) and with the compiled bench/events_client.c (CLIENT_PROCS processes, 4), and
# once at the device (GET /api/debug/fanout, cleared before each compiled-client row).
# Usage: bench/events_bench.sh [JOBS=5] [STEPS=20]     (run as root: namespaces)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
JOBS=${1:-5}
STEPS=${2:-20}
export SIM_NS=${SIM_NS:-evbench$$} SIM_TAP=evbtap0
. sim/lib.sh
PEER_PORT=8099
sim_device_up || exit 1
ip netns exec "$SIM_NS" /usr/bin/python3 bench/events_peer.py $PEER_PORT >"$SIM_RUN/peer.log" 2>&1 &
echo $! >"$SIM_RUN/peer.pid"   # sim_down stops it (by this pid)
for _ in $(seq 50); do
  ip netns exec "$SIM_NS" curl -s -m 1 -o /dev/null "http://127.0.0.1:$PEER_PORT/api/health" && break
  sleep 0.1
done
inns() { ip netns exec "$SIM_NS" "$@"; }
out=$(mktemp)
CLIENT_PROCS=${CLIENT_PROCS:-4}
gcc -std=gnu11 -O2 -Wall -Wextra -o "$out.client" bench/events_client.c || exit 1
for tr in ws sse; do
  for n in 1 8 32; do
    inns timeout 300 node bench/events_bench.mjs "http://$SIM_DEV_IP:80" $tr $n "$STEPS" "$JOBS" device >>"$out" || echo "device $tr $n failed" >&2
    sleep 0.5
    inns timeout 300 node bench/events_bench.mjs "http://127.0.0.1:$PEER_PORT" $tr $n "$STEPS" "$JOBS" peer >>"$out" || echo "peer $tr $n failed" >&2
    sleep 0.5
    inns curl -s -m 5 -o /dev/null -X DELETE "http://$SIM_DEV_IP/api/debug/fanout"
    h0=$(inns curl -s -m 5 "http://$SIM_DEV_IP/api/health")
    inns timeout 300 "$out.client" -h "$SIM_DEV_IP" -p 80 -t $tr -n $n -s "$STEPS" -j "$JOBS" -k device -P "$CLIENT_PROCS" >>"$out" || echo "device $tr $n (compiled client) failed" >&2
    { printf '{"kind":"fanout","transport":"%s","n":%s,"fanout":' $tr $n
      inns curl -s -m 5 "http://$SIM_DEV_IP/api/debug/fanout"
      printf ',"health0":%s,"health":' "${h0:-null}"
      inns curl -s -m 5 "http://$SIM_DEV_IP/api/health"
      echo '}'; } >>"$out"
    sleep 0.5
    inns timeout 300 "$out.client" -h 127.0.0.1 -p $PEER_PORT -t $tr -n $n -s "$STEPS" -j "$JOBS" -k peer -P "$CLIENT_PROCS" >>"$out" || echo "peer $tr $n (compiled client) failed" >&2
    sleep 0.5
  done
done

# RAM per subscriber on the device: one subscription record + one connection slot + lwIP's
# TCP PCB and altcp PCB, from the symbol sizes of the linked images (static, so exact).
maxc=$(grep -E "^#define MAX_CONNS " app/config.h | awk '{print $3}')
maxs=$(grep -E "^#define MAX_SUBS " app/config.h | awk '{print $3}')
nm -S build/linux/edgeartist >"$out.host"
[ -f build/mps2-an386/edgeartist.elf ] && nm -S build/mps2-an386/edgeartist.elf >"$out.mps"

/usr/bin/python3 - "$out" "$maxc" "$maxs" "$JOBS" "$STEPS" "$CLIENT_PROCS" <<'PY'
import json, os, sys
out, maxc, maxs, jobs, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
procs = sys.argv[6]
rows = []
for l in open(out):
    if l.startswith('{'):
        try: rows.append(json.loads(l))
        except ValueError: print('unreadable row:', l[:200])
fan = {}
for r in rows:  # the device's wait counter is cumulative: read before and after the row
    if r['kind'] != 'fanout': continue
    w = lambda h: (h or {}).get('subscribers', {}).get('window_waits', 0)
    r['waits'] = w(r['health']) - w(r['health0'])
    fan[(r['transport'], r['n'])] = r
rows = [r for r in rows if r['kind'] != 'fanout']
for r in rows: r.setdefault('client', 'node')
compiled = [r for r in rows if r['client'] != 'node']
rows = [r for r in rows if r['client'] == 'node']

def per_sub(path):
    if not os.path.exists(path): return None
    size = {}
    for l in open(path):
        f = l.split()
        if len(f) == 4: size[f[3]] = int(f[1], 16)
    # PCB pools hold MAX_CONNS + 5 entries (4 spares, 1 MQTT; +3 listening for altcp): per entry.
    parts = [size['subs'] // maxs, size['conns'] // maxc,
             size['memp_memory_TCP_PCB_base'] // (maxc + 5), size['memp_memory_ALTCP_PCB_base'] // (maxc + 8)]
    return sum(parts), parts
host, mps = per_sub(out + '.host'), per_sub(out + '.mps')
print(f"\nEvent delivery latency, step boundary -> arrival at the client (us); {jobs} jobs x {steps} steps per row")
print("node client (bench/events_bench.mjs: ws / raw net sockets, one process)")
print("| transport | subscribers | device p50 | device p99 | peer p50 | peer p99 | device skew p50/p99 | peer skew p50/p99 | samples dev/peer |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
by = {(r['kind'], r['transport'], r['n']): r for r in rows}
for tr in ('ws', 'sse'):
    for n in (1, 8, 32):
        d, p = by.get(('device', tr, n)), by.get(('peer', tr, n))
        f = lambda r, k: f"{r[k]:.0f}" if r and r[k] is not None else "-"
        sk = lambda r: f"{r['skew_p50']:.0f} / {r['skew_p99']:.0f}" if r and r['skew_p50'] is not None else "-"
        print(f"| {tr} | {n} | {f(d,'p50')} | {f(d,'p99')} | {f(p,'p50')} | {f(p,'p99')} | {sk(d)} | {sk(p)} | {d['samples'] if d else '-'} / {p['samples'] if p else '-'} |")
errs = sorted({round(r['err_us']) for r in rows if r['kind'] == 'device'})
chk = [(r['transport'], r['n'], round(r['min_lat_peer_check']), round(r['rtt_min'] / 2)) for r in rows if r['kind'] == 'peer']
late = sum(r['late'] for r in rows)
cby = {(r['kind'], r['transport'], r['n']): r for r in compiled}
print(f"\nThe same with the compiled client (bench/events_client.c, up to {procs} processes, epoll each), us")
print("| transport | subscribers | device p50 | device p99 | device max | peer p50 | peer p99 | device skew p50/p99 | peer skew p50/p99 | samples dev/peer |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for tr in ('ws', 'sse'):
    for n in (1, 8, 32):
        d, p = cby.get(('device', tr, n)), cby.get(('peer', tr, n))
        f = lambda r, k: f"{r[k]:.0f}" if r and r[k] is not None else "-"
        sk = lambda r: f"{r['skew_p50']:.0f} / {r['skew_p99']:.0f}" if r else "-"
        print(f"| {tr} | {n} | {f(d,'p50')} | {f(d,'p99')} | {f(d,'max')} | {f(p,'p50')} | {f(p,'p99')} | {sk(d)} | {sk(p)} | {d['samples'] if d else '-'} / {p['samples'] if p else '-'} |")
if compiled:
    pm = max(r['parse_mean_us'] for r in compiled); px = max(r['parse_max_us'] for r in compiled)
    print(f"Client ceiling: a read's events are parsed in {pm:.1f} us on average, {px} us at worst (per process);")
    print("the tail above is the server's (and the host's scheduling), not the client's work.")

print("\nAt the device (GET /api/debug/fanout during the compiled-client rows): step boundary -> a")
print("subscriber's bytes handed to lwIP (tcp_write) / output (tcp_output returned; on TAP a write()")
print("that runs the host's stack), per subscriber and for the last subscriber of each event; us")
print("| transport | subscribers | handed p50/p99 | output p50/p99 | last handed p50/p99/max | last output p50/p99/max | skew p50/p99 | events waiting for TCP room |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for tr in ('ws', 'sse'):
    for n in (1, 8, 32):
        r = fan.get((tr, n))
        m = r and r['fanout'].get(tr)
        if not m:
            print(f"| {tr} | {n} | - | - | - | - | - | - |"); continue
        h = lambda k: f"{m[k]['p50_us']} / {m[k]['p99_us']}"
        h3 = lambda k: f"{m[k]['p50_us']} / {m[k]['p99_us']} / {m[k]['max_us']}"
        waits = r['waits']
        print(f"| {tr} | {n} | {h('handed')} | {h('deliver')} | {h3('last_handed')} | {h3('last')} | {h('skew')} | {waits} |")

print(f"\nMethod: each event carries the producer's clock (t_us); latency = arrival (CLOCK_MONOTONIC) - t_us.")
print(f"The peer shares the host clock: its figures are absolute. The device counts from its own start:")
print(f"its offset is estimated as min(arrival - t_us) - RTTmin/2 (RTTmin: smallest /ws ping round trip),")
print(f"so device absolute values are within +-RTTmin/2 = {errs} us; spreads and skew are exact.")
print(f"Check of the estimator on the peer (transport, n, true min latency, RTTmin/2): {chk}")
if late: print(f"warning: {late} subscriber-jobs joined after the job started (their replayed events were left out)")
rss = {r['n']: r['rss_kb'] for r in rows if r['kind'] == 'peer' and r['transport'] == 'ws'}
print("\nRAM per subscriber")
print("| server | bytes per subscriber | how |")
print("| --- | ---: | --- |")
for name, r in (('host build, 64-bit', host), ('mps2-an386, 32-bit', mps)):
    if r: print(f"| device ({name}) | {r[0]} | sub record {r[1][0]} + connection slot {r[1][1]} + tcp_pcb {r[1][2]} + altcp_pcb {r[1][3]}, static (nm) |")
if 1 in rss and 32 in rss:
    print(f"| peer (aiohttp) | {(rss[32] - rss[1]) * 1024 // 31} | RSS with 32 WS subscribers {rss[32]} KB - with 1 {rss[1]} KB, / 31 |")
print("The device's TCP send data lives in lwIP's shared 24 KB heap (MEM_SIZE), not per subscriber.")
PY
rm -f "$out" "$out.host" "$out.mps" "$out.client"
