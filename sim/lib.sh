# Simulated network for edgeartist on Linux: a network namespace holding the TAP device the
# firmware attaches to, with the host side of the link at 192.168.7.1/24. Nothing here
# touches the root namespace's routes: clients either run inside the namespace
# (`ip netns exec`) or reach the device through the 127.0.0.1 forwarder.
# Source this file; every function takes its settings from the variables below.

SIM_NS=${SIM_NS:-edgeartist}
SIM_TAP=${SIM_TAP:-edge0}
SIM_HOST_IP=${SIM_HOST_IP:-192.168.7.1}
SIM_DEV_IP=${SIM_DEV_IP:-192.168.7.2}
SIM_RUN=${SIM_RUN:-/run/edgeartist-$SIM_NS}

sim_need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "sim: needs root (network namespaces and TAP devices); try sudo" >&2
    return 1
  fi
}

# Stop what an earlier run of the same namespace left behind (even after SIGKILL): the
# processes it recorded in its pid files, then the namespace with its TAP device.
sim_cleanup_stale() {
  if [ -d "$SIM_RUN" ]; then
    for f in "$SIM_RUN"/*.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f" 2>/dev/null)
      [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    sleep 0.2
    for f in "$SIM_RUN"/*.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f" 2>/dev/null)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
      rm -f "$f"
    done
  fi
  if ip netns list 2>/dev/null | grep -qw "^$SIM_NS"; then
    ip netns del "$SIM_NS" 2>/dev/null
  fi
  rm -rf "$SIM_RUN"
}

sim_up() {
  sim_need_root || return 1
  sim_cleanup_stale
  mkdir -p "$SIM_RUN"
  ip netns add "$SIM_NS" || return 1
  ip -n "$SIM_NS" link set lo up
  ip -n "$SIM_NS" tuntap add dev "$SIM_TAP" mode tap || return 1
  ip -n "$SIM_NS" addr add "$SIM_HOST_IP/24" dev "$SIM_TAP"
  ip -n "$SIM_NS" link set "$SIM_TAP" up
}

sim_down() {
  sim_cleanup_stale
}

# Start the firmware inside the namespace; its pid goes to $SIM_RUN/firmware.pid.
# Extra arguments are passed to the firmware. FIRMWARE_WRAP is a command put in front of it
# (valgrind and its options, for make valgrind).
sim_start_firmware() {
  local bin=$1; shift
  ip netns exec "$SIM_NS" ${FIRMWARE_WRAP:-} "$bin" --tap "$SIM_TAP" --ip "$SIM_DEV_IP" --gateway "$SIM_HOST_IP" \
    "$@" >"$SIM_RUN/firmware.log" 2>&1 &
  echo $! >"$SIM_RUN/firmware.pid"
}

# Wait until the device answers HTTP, up to $1 seconds.
sim_wait_http() {
  local secs=${1:-10} i=0
  while [ $i -lt $((secs * 10)) ]; do
    if ip netns exec "$SIM_NS" curl -s -m 1 -o /dev/null "http://$SIM_DEV_IP/api/health"; then
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# Forward 127.0.0.1:$1 in the root namespace to the device's port $2 (80), through a Unix
# socket (a filesystem object both namespaces see), so no route into the namespace exists.
# Pid files and socket are named after the device port, so several forwards can coexist.
sim_forward() {
  local port=$1 dport=${2:-80} tag
  tag=$([ "$dport" = 80 ] && echo http || echo "port$dport")
  local sock="$SIM_RUN/$tag.sock"
  ip netns exec "$SIM_NS" socat "UNIX-LISTEN:$sock,fork,unlink-early" \
    "TCP:$SIM_DEV_IP:$dport" >/dev/null 2>&1 &
  echo $! >"$SIM_RUN/fwd-inner-$tag.pid"
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
  socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=64" "UNIX-CONNECT:$sock" \
    >/dev/null 2>&1 &
  echo $! >"$SIM_RUN/fwd-outer-$tag.pid"
}

# The host firmware, built, running in its own namespace and answering HTTP: what the test
# tiers and benchmarks stand on. Removes everything on exit (also on failure or a signal).
# Arguments go to the firmware. Returns non-zero, with the firmware's log shown, on failure.
# FIRMWARE=<binary> runs another build than build/linux/edgeartist (make SAN=1's).
sim_device_up() {
  trap 'sim_down' EXIT
  trap 'exit 1' INT TERM
  make --no-print-directory -C "$(dirname "${BASH_SOURCE[0]}")/.." -j2 BOARD=linux all \
    >/dev/null || return 1
  sim_up || return 1
  sim_start_firmware "${FIRMWARE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/linux/edgeartist}" "$@"
  if ! sim_wait_http "${SIM_WAIT_SECS:-15}"; then
    echo "sim: the device did not answer; its log:" >&2
    cat "$SIM_RUN/firmware.log" >&2
    return 1
  fi
}
