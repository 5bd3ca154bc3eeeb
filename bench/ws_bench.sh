#!/usr/bin/env bash
# WebSocket echo benchmark: edgeartist's WebSocket stack against node `ws` and python
# websockets as peers, in the same run, with the load client's own ceiling (a raw TCP echo).
#
#   bench/ws_bench.sh                 edgeartist = tests/tools/ws_sock_harness (app/ws over
#                                     Linux sockets on 127.0.0.1)
#   EDGE_TARGET=http://H:P bench/ws_bench.sh   edgeartist = a running device (e.g. make run)
#   SECS=3 PROCS=2 bench/ws_bench.sh
#
# Rows: round trips/s and p50/p99 latency with one message in flight on 1 and 32
# connections; messages/s with 16 in flight on each of 4 connections for 16 B, 1 KiB and
# 16 KiB binary messages. Ratios: edgeartist / peer (higher is better for edgeartist on
# rates, lower on latencies).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# By default the device is the host firmware (lwIP over TAP) in a namespace of its own, and
# this script runs again inside it with EDGE_TARGET set. WS_BENCH_HARNESS=1 measures the
# socket harness instead (app/ws without lwIP).
if [ -z "${EDGE_TARGET:-}" ] && [ "${WS_BENCH_HARNESS:-0}" != 1 ] && [ "$(id -u)" = 0 ]; then
  export SIM_NS=${SIM_NS:-eawsbench$$} SIM_TAP=eawsbtap0
  . sim/lib.sh
  set +e # sim/lib.sh's clean-up tolerates what is already gone
  sim_device_up --log-level warn || exit 1
  ip netns exec "$SIM_NS" env EDGE_TARGET="http://$SIM_DEV_IP:80" bash "$0" "$@"
  exit $?
fi
SECS=${SECS:-3}
PROCS=${PROCS:-2}
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT

MB=third_party/mbedtls/library
gcc -std=gnu11 -O2 -Wall -Wextra -o "$out/client" bench/ws_bench_client.c
if [ -z "${EDGE_TARGET:-}" ]; then
  gcc -std=gnu11 -O2 -Wall -Wextra -I. -Iport -I"$top/third_party/mbedtls/include" \
    -DMBEDTLS_CONFIG_FILE='"port/mbedtls_config.h"' -o "$out/harness" \
    tests/tools/ws_sock_harness.c app/ws/*.c app/api/ws_echo.c app/util/json_check.c \
    $MB/sha1.c $MB/base64.c $MB/platform_util.c $MB/constant_time.c
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "no server on $1" >&2; return 1; }

declare -A HOSTP PATHS
if [ -n "${EDGE_TARGET:-}" ]; then
  hp=${EDGE_TARGET#*://}; hp=${hp%%/*}
  HOSTP[edgeartist]=$hp
  edge_label="edgeartist ($EDGE_TARGET)"
else
  p=$(free_port); "$out/harness" -p "$p" -o 262144 >/dev/null 2>&1 & pids+=($!); wait_port "$p"
  HOSTP[edgeartist]=127.0.0.1:$p
  edge_label="edgeartist (app/ws via ws_sock_harness)"
fi
PATHS[edgeartist]=/ws/test
p=$(free_port); node bench/ws_bench_peer_node.mjs "$p" >/dev/null 2>&1 & pids+=($!); wait_port "$p"
HOSTP[node-ws]=127.0.0.1:$p; PATHS[node-ws]=/
p=$(free_port); /usr/bin/python3 bench/ws_bench_peer_py.py "$p" >/dev/null 2>&1 & pids+=($!); wait_port "$p"
HOSTP[py-websockets]=127.0.0.1:$p; PATHS[py-websockets]=/
p=$(free_port); "$out/client" -E "$p" >/dev/null 2>&1 & pids+=($!); wait_port "$p"
HOSTP[client-ceiling]=127.0.0.1:$p; PATHS[client-ceiling]=/

SERVERS=(edgeartist node-ws py-websockets client-ceiling)
# name:conns:size:window
SCENARIOS=("rtt-1conn:1:16:1" "rtt-32conn:32:16:1" "msgs-16B:4:16:16" "msgs-1KiB:4:1024:16" "msgs-16KiB:4:16384:16")

declare -A RATE P50 P99
for sc in "${SCENARIOS[@]}"; do
  IFS=: read -r name conns size win <<<"$sc"
  for s in "${SERVERS[@]}"; do
    hp=${HOSTP[$s]}
    line=$("$out/client" -h "${hp%:*}" -p "${hp##*:}" -u "${PATHS[$s]}" -c "$conns" -s "$size" \
             -w "$win" -d "$SECS" -P "$PROCS" 2>&1 | tail -n 1)
    rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$line"); RATE[$name,$s]=${rate:-0}
    P50[$name,$s]=$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$line")
    P99[$name,$s]=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
echo
echo "WebSocket echo benchmark — $edge_label; ${SECS}s per cell, load client: ws_bench_client, $PROCS processes, $(nproc) CPUs"
printf '%-12s %-16s %12s %8s %8s\n' scenario server "msgs/s" "p50_us" "p99_us"
for sc in "${SCENARIOS[@]}"; do
  name=${sc%%:*}
  for s in "${SERVERS[@]}"; do
    printf '%-12s %-16s %12s %8s %8s\n' "$name" "$s" "${RATE[$name,$s]}" "${P50[$name,$s]}" "${P99[$name,$s]}"
  done
done
echo
printf '%-12s %16s %16s %18s\n' scenario "edge/node-ws" "edge/py-ws" "edge/client-ceil"
for sc in "${SCENARIOS[@]}"; do
  name=${sc%%:*}
  e=${RATE[$name,edgeartist]}
  printf '%-12s %16s %16s %18s\n' "$name" "$(ratio "$e" "${RATE[$name,node-ws]}")" \
    "$(ratio "$e" "${RATE[$name,py-websockets]}")" "$(ratio "$e" "${RATE[$name,client-ceiling]}")"
done
echo "(rates: higher is better; a ratio to client-ceiling near 1 would mean the client limits the measurement)"
