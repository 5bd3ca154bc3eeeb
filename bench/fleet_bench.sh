#!/usr/bin/env bash
# Fleet figures (README "A fleet"), each from a fleet of its own (sim/fleet_lib.sh):
#  1. jobs per minute for N = 1, 2, 4 through nginx (the same 20-step job, 24 client
#     addresses, one worker each, keeping the queues full: with fewer addresses the hash may
#     leave a device without clients), and N = 1 with no proxy as the peer;
#  2. event latency p50/p99 through nginx against direct to the device (bench/events_bench.mjs,
#     1 and 8 subscribers, WebSocket and SSE);
#  3. failover: the failover test's own timings (device_lost at the followers, the first
#     new job accepted, the MQTT last will);
#  4. RAM and flash the MQTT client adds, from the Cortex-M4 image's objects.
# Usage: bench/fleet_bench.sh [SECONDS=20]      (root: namespaces)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
SECONDS_RUN=${1:-20}
export FLEET_P=fb$$ FLEET_CLIENTS=24
. sim/fleet_lib.sh
make --no-print-directory -j2 BOARD=linux all >/dev/null || exit 1
trap 'fleet_down' EXIT
trap 'exit 1' INT TERM
export FLEET_RUN FLEET_NET FLEET_CLIENTS FLEET_HUB_IP
cl() { ip netns exec "$(fleet_cl)" "$@"; }
out=$(mktemp)

for n in 1 2 4; do
  fleet_up "$n" >/dev/null || exit 1
  for via in direct nginx; do
    [ $via = direct ] && [ "$n" != 1 ] && continue
    url=$(fleet_url); [ $via = direct ] && url=http://$(fleet_dev_ip 0):80
    r=$(EDGE_TARGET=$url FLEET_N=$n cl timeout 300 node bench/fleet_bench.mjs "$SECONDS_RUN" 24 1) || r=""
    [ -n "$r" ] || { echo "throughput N=$n via $via failed" >&2; r=null; }
    echo "{\"row\":\"throughput\",\"n\":$n,\"via\":\"$via\",\"r\":$r}" >>"$out"
  done
  if [ "$n" = 2 ]; then
    # Latency: the client's own address reaches one device through nginx (the blocker job
    # and the measured one land together); direct, the same device by its address.
    dev=$(EDGE_TARGET=$(fleet_url) FLEET_N=$n cl node --input-type=module -e "
      const f = await import('$top/tests/e2e/lib/fleet.mjs');
      console.log(await f.stickyDevice(f.clientAddr(1)));")
    ip -n "$(fleet_cl)" route replace "$FLEET_NET.0/24" dev eth0 src "$(fleet_client_ip 1)"
    for tr in ws sse; do
      for subs in 1 8; do
        for via in nginx direct; do
          url=$(fleet_url); [ $via = direct ] && url=http://$(fleet_dev_ip "$dev"):80
          r=$(cl timeout 300 node bench/events_bench.mjs "$url" $tr $subs 20 10 device) || r=""
          [ -n "$r" ] || { echo "latency $tr $subs via $via failed" >&2; r=null; }
          echo "{\"row\":\"latency\",\"via\":\"$via\",\"r\":$r}" >>"$out"
          sleep 0.5
        done
      done
    done
  fi
  fleet_down
done

# Failover, on N = 3: the failover test prints its timings.
fleet_up 3 >/dev/null || exit 1
EDGE_TARGET=$(fleet_url) FLEET_N=3 cl node --test --test-reporter=tap tests/e2e/fleet/fleet_2_failover.mjs >"$out.fo" 2>&1
grep -qE '^# pass 1' "$out.fo" || { echo "failover test failed:"; tail -n 30 "$out.fo"; }
fleet_down

# RAM and flash of the MQTT client on the Cortex-M4 image: lwIP's client and the telemetry
# module (data + bss, text), one TCP PCB and one altcp wrapper (the pools' entry sizes).
make --no-print-directory -j2 BOARD=mps2-an386 all >/dev/null 2>&1
elf=build/mps2-an386/edgeartist.elf
if [ -f "$elf" ]; then
  maxc=$(grep -E "^#define MAX_CONNS " app/config.h | awk '{print $3}')
  read -r mt md mb < <(arm-none-eabi-size build/mps2-an386/third_party/lwip/src/apps/mqtt/mqtt.o | awk 'NR==2{print $1, $2, $3}')
  read -r tt td tb < <(arm-none-eabi-size build/mps2-an386/app/telemetry/telemetry.o | awk 'NR==2{print $1, $2, $3}')
  sym() { printf '%d' "0x$(arm-none-eabi-nm -S "$elf" | awk -v s="$1" '$4 == s {print $2}')"; }
  pcb=$(($(sym memp_memory_TCP_PCB_base) / (maxc + 5)))    # MAX_CONNS + 4 spares + MQTT
  alt=$(($(sym memp_memory_ALTCP_PCB_base) / (maxc + 8))) # the same + 3 listeners
  # The client itself (mqtt_client_t) is the telemetry module's static "client".
  cli=$(printf '%d' "0x$(arm-none-eabi-nm -S build/mps2-an386/app/telemetry/telemetry.o | awk '$4 == "client" {print $2}')")
  echo "{\"row\":\"ram\",\"client\":$cli,\"mqtt_ram\":$((md + mb)),\"telemetry_ram\":$((td + tb)),\"pcb\":$pcb,\"altcp\":$alt,\"mqtt_text\":$mt,\"telemetry_text\":$tt}" >>"$out"
fi

/usr/bin/python3 - "$out" "$out.fo" <<'PY'
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
print("\nJobs per minute (20-step job, 24 client addresses x 1 worker, queues kept full)")
print("| devices | via | jobs/min | jobs per device in the window | 503 retries |")
print("| --- | --- | --- | --- | --- |")
for r in rows:
    if r['row'] != 'throughput' or not r['r']: continue
    x = r['r']
    per = ' / '.join(str(x['per_device'].get(str(k), 0)) for k in range(r['n']))
    print(f"| {r['n']} | {r['via']} | {x['jobs_per_min']} | {per} | {x['retries_503']} |")
print("\nEvent latency, step boundary -> client (us), 10 jobs x 20 steps, N = 2")
print("| transport | subscribers | nginx p50 / p99 | direct p50 / p99 |")
print("| --- | --- | --- | --- |")
lat = {}
for r in rows:
    if r['row'] == 'latency' and r['r']:
        lat[(r['r']['transport'], r['r']['n'], r['via'])] = r['r']
for tr in ('ws', 'sse'):
    for n in (1, 8):
        a, b = lat.get((tr, n, 'nginx')), lat.get((tr, n, 'direct'))
        f = lambda x: f"{x['p50']} / {x['p99']}" if x else 'failed'
        print(f"| {'WebSocket' if tr == 'ws' else 'SSE'} | {n} | {f(a)} | {f(b)} |")
print("\nFailover (N = 3, one device SIGKILLed mid-job; tests/e2e/fleet/fleet_2_failover.mjs)")
for l in open(sys.argv[2]):
    m = re.match(r'^\s*# (follower \d+: .*|first new job.*|last will.*)$', l)
    if m: print(f"  {m.group(1)}")
for r in rows:
    if r['row'] == 'ram':
        tot = r['mqtt_ram'] + r['telemetry_ram'] + r['pcb'] + r['altcp']
        tot += 2 * 16  # two lwIP timer entries (struct sys_timeo, 16 B on Cortex-M4)
        print(f"\nRAM added by the MQTT client (Cortex-M4): telemetry module {r['telemetry_ram']} B"
              f" (of which mqtt_client_t {r['client']} B) + lwIP mqtt.c {r['mqtt_ram']} B + TCP PCB {r['pcb']} B"
              f" + altcp {r['altcp']} B + 2 timers 32 B = {tot} B; flash: mqtt.c {r['mqtt_text']} B + telemetry {r['telemetry_text']} B")
PY
mkdir -p build && cp "$out" build/fleet-bench.jsonl # the raw rows, for a second look
rm -f "$out" "$out.fo"
