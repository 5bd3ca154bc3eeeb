#!/usr/bin/env bash
# make soak (outside CI): tests/soak/soak.mjs against the host firmware in a namespace of its
# own. SOAK_JOBS (500) and SOAK_CLIENTS (12) set the load; FIRMWARE=<binary> another build.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export SIM_NS=${SIM_NS:-easoak$$} SIM_TAP=eatap0
. sim/lib.sh
sim_device_up || exit 1
mkdir -p build/soak
ip netns exec "$SIM_NS" env EDGE_TARGET="http://$SIM_DEV_IP:80" timeout 3600 node tests/soak/soak.mjs \
  | tee build/soak/summary.txt
rc=${PIPESTATUS[0]}
cp "$SIM_RUN/firmware.log" build/soak/firmware.log
kill -0 "$(cat "$SIM_RUN/firmware.pid")" 2>/dev/null || { echo "soak: the firmware died"; rc=1; }
exit "$rc"
