#!/usr/bin/env bash
# TLS figures on the host: edgeartist's HTTPS (port/altcp_tls3 over lwIP/TAP) against Debian's
# nginx with the same certificate and key on the namespace's kernel stack, measured in the
# same run: full and resumed handshake (node's tls), HTTPS against plain requests/s (wrk,
# keep-alive), WebSocket echo over ws and wss (device only), the device's longest superloop
# pass and handshake step, and its TLS heap high-water mark. Nothing is asserted.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export SIM_NS=eatlsbench SIM_TAP=eattap0
. sim/lib.sh
DUR=${DUR:-5}
make --no-print-directory certs >/dev/null || exit 1
export EDGE_CA=$top/build/certs/ca.crt
sim_device_up --log-level warn || exit 1
inns() { ip netns exec "$SIM_NS" "$@"; }

# The peer: nginx, one worker, the same certificate, serving a file of the health's size.
ng=$SIM_RUN/nginx
mkdir -p "$ng/html/api" "$ng/logs"
inns curl -s "http://$SIM_DEV_IP/api/health" >"$ng/html/api/health"
cat >"$ng/nginx.conf" <<CONF
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  default_type application/json;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_tickets on;
  server {
    listen $SIM_HOST_IP:8080;
    listen $SIM_HOST_IP:8443 ssl;
    ssl_certificate $top/build/certs/device.crt;
    ssl_certificate_key $top/build/certs/device.key;
    root $ng/html;
  }
}
CONF
inns nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/logs/error.log" || { echo "nginx did not start"; exit 1; }
for _ in $(seq 50); do [ -s "$ng/nginx.pid" ] && break; sleep 0.1; done
cp "$ng/nginx.pid" "$SIM_RUN/nginx.pid" # sim_down stops it by this pid

h0=$(inns curl -s "http://$SIM_DEV_IP/api/health")
echo "== handshakes and WebSocket echo (node tls / ws)"
inns env EDGE_CA="$EDGE_CA" node bench/tls_bench.mjs edgeartist "$SIM_DEV_IP" 443 80
inns env EDGE_CA="$EDGE_CA" node bench/tls_bench.mjs nginx "$SIM_HOST_IP" 8443
h1=$(inns curl -s "http://$SIM_DEV_IP/api/health")
echo
echo "== requests/s, GET /api/health, keep-alive (wrk -t1 -d${DUR}s)"
printf '%-12s %-6s %5s %12s %10s\n' server scheme conns "requests/s" p50
for c in 1 4; do
  for s in "edgeartist http http://$SIM_DEV_IP/api/health" "edgeartist https https://$SIM_DEV_IP/api/health" \
    "nginx http http://$SIM_HOST_IP:8080/api/health" "nginx https https://$SIM_HOST_IP:8443/api/health"; do
    set -- $s
    read -r rps p50 < <(inns wrk -t1 -c"$c" -d"${DUR}s" --latency "$3" 2>/dev/null |
      awk '/Requests\/sec/ {r=$2} /^ +50%/ {p=$2} END {print r, p}')
    printf '%-12s %-6s %5d %12s %10s\n' "$1" "$2" "$c" "$rps" "$p50"
  done
done
h2=$(inns curl -s "http://$SIM_DEV_IP/api/health")
echo
python3 - "$h0" "$h1" "$h2" <<'PY'
import json, sys
h0, h1, h2 = (json.loads(x) for x in sys.argv[1:])
t = h2["tls"]
print(f"device: longest loop pass before TLS {h0['loop']['max_pass_us']} us, after the handshakes "
      f"{h1['loop']['max_pass_us']} us; longest handshake step {t['longest_step_us']} us")
print(f"device: TLS heap high-water {t['heap']['peak']} of {t['heap']['size']} B, baseline "
      f"{t['heap']['baseline']} B, now {t['heap']['used']} B; sessions peak {t['sessions_peak']}; "
      f"handshakes {t['completed']} ({t['resumed']} resumed), failed {t['failed']}")
PY
