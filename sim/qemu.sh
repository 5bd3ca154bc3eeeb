#!/usr/bin/env bash
# make qemu: boot the mps2-an386 firmware in QEMU with user-mode networking that forwards
# 127.0.0.1:$QEMU_PORT (default 8081) to the device's port 80. Prints the device console,
# then "edgeartist is up: ..." once /api/health answers through the forward.
# Stays in the foreground; SIGINT or SIGTERM stops the QEMU process this script started
# (by its PID, nothing else).
#   QEMU_PORT=8081         host port on 127.0.0.1
#   QEMU_ECHO_PORT=8082    host UDP port forwarded to the device's UDP echo (port 7)
#   QEMU_TLS_PORT=8083     host port on 127.0.0.1 forwarded to the device's HTTPS (443)
#   QEMU_ELF=...           firmware image (default build/mps2-an386/edgeartist.elf)
#   QEMU_BOOT_TIMEOUT=30   seconds to wait for /api/health before giving up
#   QEMU_EXTRA=...         more QEMU options (bench/m4_bench.sh: -icount shift=0)
#   QEMU_PCAP=file.pcap    every frame the guest's NIC sends and receives, for tshark
# The guest lives on QEMU's private network 10.0.2.0/24 (it is 10.0.2.15, QEMU is 10.0.2.2);
# nothing reaches it except through the forward.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PORT=${QEMU_PORT:-8081}
ECHO_PORT=${QEMU_ECHO_PORT:-$((PORT + 1))}
TLS_PORT=${QEMU_TLS_PORT:-$((PORT + 2))}
ELF=${QEMU_ELF:-$top/build/mps2-an386/edgeartist.elf}
BOOT_TIMEOUT=${QEMU_BOOT_TIMEOUT:-30}
PIDFILE=$top/build/mps2-an386/qemu-$PORT.pid

command -v qemu-system-arm >/dev/null || { echo "qemu: qemu-system-arm not installed (apt-get install qemu-system-arm)" >&2; exit 1; }
[ -f "$ELF" ] || { echo "qemu: $ELF not built (make BOARD=mps2-an386)" >&2; exit 1; }

# A QEMU that an earlier run of this script left behind (the script was SIGKILLed) still
# holds the port: stop it, but only if the recorded PID is really that QEMU.
if [ -f "$PIDFILE" ]; then
  old=$(cat "$PIDFILE" 2>/dev/null)
  if [ -n "$old" ] && { tr '\0' ' ' <"/proc/$old/cmdline"; } 2>/dev/null | grep -q "qemu-system-arm.*hostfwd=tcp:127.0.0.1:$PORT-"; then
    kill "$old" 2>/dev/null
  fi
  rm -f "$PIDFILE"
fi

qpid=
stop() {
  trap - INT TERM EXIT
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill "$qpid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    echo "edgeartist: QEMU stopped"
  fi
  rm -f "$PIDFILE"
}
trap stop EXIT
trap 'exit 0' INT TERM

t0=$(date +%s%N)
# stdin from /dev/null: QEMU leaves the terminal alone, and Ctrl-C reaches this script.
# setsid: the QEMU process gets no terminal signals of its own; this script stops it.
# shellcheck disable=SC2086
fwd="hostfwd=tcp:127.0.0.1:$PORT-:80,hostfwd=tcp:127.0.0.1:$TLS_PORT-:443,hostfwd=udp:127.0.0.1:$ECHO_PORT-:7"
# A capture needs the network backend by name (-nic gives it none).
net=(-netdev "user,id=net0,$fwd" -net nic,model=lan9118,netdev=net0)
[ -n "${QEMU_PCAP:-}" ] && net+=(-object "filter-dump,id=dump0,netdev=net0,file=$QEMU_PCAP")
setsid qemu-system-arm -M mps2-an386 -nographic -kernel "$ELF" ${QEMU_EXTRA:-} "${net[@]}" \
  </dev/null &
qpid=$!
echo "$qpid" >"$PIDFILE"

up=0
deadline=$(($(date +%s) + BOOT_TIMEOUT))
while [ "$(date +%s)" -lt "$deadline" ]; do
  kill -0 "$qpid" 2>/dev/null || break
  if curl -sf -m 1 "http://127.0.0.1:$PORT/api/health" -o /dev/null 2>/dev/null; then
    up=1
    break
  fi
  sleep 0.05
done
if [ "$up" != 1 ]; then
  echo "edgeartist: no answer from http://127.0.0.1:$PORT/api/health within ${BOOT_TIMEOUT}s" >&2
  exit 1
fi
ms=$((($(date +%s%N) - t0) / 1000000))
echo "edgeartist is up: http://127.0.0.1:$PORT/ https://127.0.0.1:$TLS_PORT/"
echo "  (QEMU pid $qpid, boot to serving ${ms} ms; Ctrl-C stops)"
wait "$qpid"
