#!/usr/bin/env bash
# Downloads: GET /api/images/<id>/0.png (a 32x32 PNG) and the page (GET /) from the device
# (lwIP over TAP) against nginx (Debian) serving the same bytes from tmpfs (the page cache)
# over the namespace's kernel stack, in one run, with wrk for 1 and 16 connections; and what
# a request costs each server in CPU (/proc/<pid>/task/*/stat: user and system time), which
# says what TAP and lwIP cost: the device's system time is its TAP reads and writes (and the
# host stack's work they run), its user time lwIP and the firmware. Nothing is asserted.
# Usage: DUR=5 bench/download_bench.sh     (run as root: namespaces)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
DUR=${DUR:-5}
export SIM_NS=${SIM_NS:-eadl$$} SIM_TAP=eadltap0
. sim/lib.sh
command -v nginx >/dev/null || { echo "download_bench: nginx is not installed (make deps)" >&2; exit 1; }
sim_device_up --log-level warn || exit 1
inns() { ip netns exec "$SIM_NS" "$@"; }
dev=http://$SIM_DEV_IP

# One finished image, and the bytes the device serves.
sid=$(inns curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"prompt":"a red star on a black background","num_inference_steps":4,"seed":1}' \
  "$dev/api/generate" | sed -n 's/.*"session_id":"\([0-9a-f]*\)".*/\1/p')
for _ in $(seq 100); do
  inns curl -s "$dev/api/jobs/$sid" | grep -q '"status":"complete"' && break
  sleep 0.1
done
www=$SIM_RUN/www
mkdir -p "$www/api/images/$sid"
inns curl -s -o "$www/api/images/$sid/0.png" "$dev/api/images/$sid/0.png"
inns curl -s -o "$www/index.html" "$dev/"
png_bytes=$(stat -c %s "$www/api/images/$sid/0.png")
page_bytes=$(stat -c %s "$www/index.html")
[ "$png_bytes" -gt 0 ] && [ "$page_bytes" -gt 0 ] || { echo "download_bench: no image or page" >&2; exit 1; }

cat >"$SIM_RUN/nginx.conf" <<CONF
worker_processes 1;
pid $SIM_RUN/nginx.pid;
error_log $SIM_RUN/nginx.err warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=16;
  types { image/png png; text/html html; }
  client_body_temp_path $SIM_RUN/nginx-body;
  proxy_temp_path $SIM_RUN/nginx-proxy;
  fastcgi_temp_path $SIM_RUN/nginx-fcgi;
  uwsgi_temp_path $SIM_RUN/nginx-uwsgi;
  scgi_temp_path $SIM_RUN/nginx-scgi;
  server { listen $SIM_HOST_IP:8081; root $www; index index.html; }
}
CONF
inns nginx -c "$SIM_RUN/nginx.conf" || exit 1 # daemonizes; sim_down stops it by nginx.pid
for _ in $(seq 50); do
  inns curl -s -o /dev/null "http://$SIM_HOST_IP:8081/index.html" && break
  sleep 0.1
done
cmp -s <(inns curl -s "http://$SIM_HOST_IP:8081/api/images/$sid/0.png") "$www/api/images/$sid/0.png" ||
  { echo "download_bench: nginx does not serve the same bytes" >&2; exit 1; }
dev_pids=$(cat "$SIM_RUN/firmware.pid")
nginx_pids="$(cat "$SIM_RUN/nginx.pid") $(pgrep -P "$(cat "$SIM_RUN/nginx.pid")" | tr '\n' ' ')"

hz=$(getconf CLK_TCK)
ticks() { # pids -> "user system" clock ticks over every thread
  for p in $1; do cat /proc/"$p"/task/*/stat; done 2>/dev/null |
    awk '{ sub(/^.*\) /, ""); u += $12; s += $13 } END { print u + 0, s + 0 }'
}
measure() { # url conns pids -> "rps p50 p99 user_us/req sys_us/req"
  local a b
  a=$(ticks "$3")
  inns wrk -t1 -c"$2" -d"${DUR}s" --latency "$1" >"$SIM_RUN/wrk.out" 2>/dev/null
  b=$(ticks "$3")
  awk -v a="$a" -v b="$b" -v hz="$hz" '
    /^ +[0-9]+ requests in/ {n=$1}
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    END { split(a, x, " "); split(b, y, " ");
          printf "%s %s %s %.1f %.1f\n", rps, p50, p99, n ? (y[1]-x[1]) / hz * 1e6 / n : 0,
                 n ? (y[2]-x[2]) / hz * 1e6 / n : 0 }' "$SIM_RUN/wrk.out"
}
printf '| what | server | conns | requests/s | p50 | p99 | CPU user us/req | CPU system us/req | device / nginx |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for what in png page; do
  if [ $what = png ]; then path=/api/images/$sid/0.png; npath=$path; label="PNG ($png_bytes B)"
  else path=/; npath=/index.html; label="page / ($page_bytes B)"; fi
  for c in 1 16; do
    read -r r1 a1 b1 u1 s1 < <(measure "$dev$path" $c "$dev_pids")
    read -r r2 a2 b2 u2 s2 < <(measure "http://$SIM_HOST_IP:8081$npath" $c "$nginx_pids")
    ratio=$(awk -v a="$r1" -v b="$r2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    printf '| %s | device | %d | %s | %s | %s | %s | %s | %s |\n' "$label" $c "$r1" "$a1" "$b1" "$u1" "$s1" "$ratio"
    printf '| %s | nginx | %d | %s | %s | %s | %s | %s | |\n' "$label" $c "$r2" "$a2" "$b2" "$u2" "$s2"
  done
done
echo
echo "wrk -t1 -d${DUR}s --latency inside namespace $SIM_NS; device $SIM_DEV_IP (lwIP over TAP), nginx"
echo "$(nginx -v 2>&1 | sed 's/.*: //') on $SIM_HOST_IP:8081 (kernel stack, files on tmpfs, sendfile);"
echo "CPU per request from /proc/<pid>/task/*/stat (1/$hz s ticks); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
