# Link emulator for the fault lab: the firmware's TAP and the clients' side are joined by a
# userspace wire, VDE's wirefilter, so that loss, delay with jitter, reordering, duplication
# and bandwidth apply to both directions (this kernel has no netem qdisc).
#
#   firmware <-> $SIM_TAP =bridge= $LINK_DEV_TAP <-> vde_plug = wirefilter = vde_plug <-> $LINK_CLI_TAP (192.168.7.1)
#
# Everything lives in the namespace $SIM_NS; clients run there (ip netns exec) as in the other
# tiers. A link drop takes the wire away (the dpipe chain stops: both TAPs lose their
# carrier) and gives it back. Source after sim/lib.sh; link_up replaces sim_up.

LINK_DEV_TAP=${LINK_DEV_TAP:-lkdev0}
LINK_CLI_TAP=${LINK_CLI_TAP:-lkcli0}
LINK_BR=${LINK_BR:-lkbr0}
LINK_MGMT="$SIM_RUN/wirefilter.mgmt"

# The namespace, the firmware's TAP bridged to the wire's device end, the clients' TAP with
# the host address, and a clean wire (no fault). Arguments: wirefilter options to start with.
link_up() {
  sim_need_root || return 1
  for t in dpipe vde_plug wirefilter; do
    command -v $t >/dev/null || { echo "link: $t is missing (make deps: vde2, vdeplug, vde-wirefilter)" >&2; return 1; }
  done
  sim_cleanup_stale
  mkdir -p "$SIM_RUN"
  ip netns add "$SIM_NS" || return 1
  local n="ip -n $SIM_NS"
  $n link set lo up
  ip netns exec "$SIM_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  $n tuntap add dev "$SIM_TAP" mode tap || return 1
  $n tuntap add dev "$LINK_DEV_TAP" mode tap || return 1
  $n tuntap add dev "$LINK_CLI_TAP" mode tap || return 1
  $n link add "$LINK_BR" type bridge forward_delay 0 stp_state 0 || return 1
  $n link set "$SIM_TAP" master "$LINK_BR"
  $n link set "$LINK_DEV_TAP" master "$LINK_BR"
  $n addr add "$SIM_HOST_IP/24" dev "$LINK_CLI_TAP"
  for d in "$SIM_TAP" "$LINK_DEV_TAP" "$LINK_CLI_TAP" "$LINK_BR"; do $n link set "$d" up; done
  link_wire_start "$@"
}

# Start the wire with these wirefilter options (none: a perfect wire).
link_wire_start() {
  : >"$SIM_RUN/wire.args" # for link_restore, also from another shell
  [ $# -gt 0 ] && printf '%s\n' "$@" >"$SIM_RUN/wire.args"
  for _ in 1 2 3; do
    rm -f "$LINK_MGMT"
    # dpipe puts itself and its three children in a process group of their own, stopped
    # together.
    ip netns exec "$SIM_NS" dpipe vde_plug "tap://$LINK_DEV_TAP" = \
      wirefilter -M "$LINK_MGMT" "$@" = vde_plug "tap://$LINK_CLI_TAP" \
      >"$SIM_RUN/wire.log" 2>&1 </dev/null &
    echo $! >"$SIM_RUN/wire.pid"
    for _ in $(seq 50); do
      [ -S "$LINK_MGMT" ] && kill -0 "$(cat "$SIM_RUN/wire.pid")" 2>/dev/null && return 0
      sleep 0.05
    done
    link_cut # a TAP still held by the wire before (busy): once more
    sleep 0.3
  done
  echo "link: wirefilter did not start; its log:" >&2
  cat "$SIM_RUN/wire.log" >&2
  return 1
}

# Take the wire away: every frame in flight and every frame sent until link_restore is lost.
link_cut() {
  local pid
  pid=$(cat "$SIM_RUN/wire.pid" 2>/dev/null) || return 0
  kill -- -"$pid" 2>/dev/null
  # The whole group must be gone: a vde_plug still exiting holds its TAP ("busy").
  for _ in $(seq 40); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 -- -"$pid" 2>/dev/null
  for _ in $(seq 40); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$SIM_RUN/wire.pid"
}

# Give the wire back, with the options it had.
link_restore() {
  local args=()
  [ -s "$SIM_RUN/wire.args" ] && mapfile -t args <"$SIM_RUN/wire.args"
  link_wire_start "${args[@]}"
}

# Change the wire's faults in place through wirefilter's management socket, e.g.
# link_set loss 10; link_set delay 100+50 (see wirefilter(1): loss, delay, dup, bandwidth...).
link_set() {
  printf '%s\n' "$*" | ip netns exec "$SIM_NS" socat -t 0.5 - "UNIX-CONNECT:$LINK_MGMT" >/dev/null
}

# A clean wire again (no loss, delay, duplication or bandwidth limit).
link_clear() {
  link_cut
  link_wire_start
}

link_down() {
  link_cut
  sim_cleanup_stale
}

# Start (or restart) the firmware on the lab's TAP and wait until it answers. Arguments go to
# the firmware (--pace-ms N: at least N ms per generation step).
link_firmware_start() {
  local pid
  pid=$(cat "$SIM_RUN/firmware.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  sim_start_firmware "${LINK_FIRMWARE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/linux/edgeartist}" "$@"
  if ! sim_wait_http 15; then
    echo "link: the device did not answer; its log:" >&2
    cat "$SIM_RUN/firmware.log" >&2
    return 1
  fi
}

# The host firmware on the emulated link, built and answering HTTP (as sim_device_up);
# everything is removed on exit. Arguments go to the firmware.
link_device_up() {
  trap 'link_down' EXIT
  trap 'exit 1' INT TERM
  make --no-print-directory -C "$(dirname "${BASH_SOURCE[0]}")/.." -j2 BOARD=linux all \
    >/dev/null || return 1
  link_up || return 1
  link_firmware_start "$@"
}
