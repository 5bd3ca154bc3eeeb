#!/usr/bin/env bash
# The static checks must fail on what they look for, and also when they cannot look:
#   layers  scripts/check_layers.sh over small temporary trees (each kind of forbidden
#           include fails, a clean tree passes, an empty tree fails);
#   tools   check_heap.sh and check_float.sh over small objects built here with the host gcc
#           (a malloc call, a float instruction, a double in a source, no objects, no sources,
#           a missing tool, a tool that fails).
# Usage: scripts/test_checks.sh layers|tools. Prints one line per case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=0 F=0

# case name, expected status (0 pass, 1 fail), text the output must contain, command...
# ("layers" as the command: the layering check over $tmp/t)
expect() {
  local name=$1 want=$2 text=$3 out rc
  shift 3
  [ "$1" = layers ] && set -- bash "$here/check_layers.sh" "$tmp/t"
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -qF -- "$text" <<<"$out"; then
    echo "ok   $name"
    P=$((P + 1))
  else
    echo "FAIL $name (status $rc, want $want; output:)"
    echo "$out" | sed 's/^/     /'
    F=$((F + 1))
  fi
}

# A clean tree: each layer including what it may.
base() {
  rm -rf "$tmp/t" && mkdir -p "$tmp/t"/{app/gen,app/jobs,app/http,app/api,app/util,drivers/eth}
  cd "$tmp/t" || exit 1
  printf '#include <stdint.h>\n#include "app/config.h"\n#include "model_data.h"\n' >app/gen/gen.c
  : >app/gen/model_data.h
  : >app/config.h
  printf '#include "app/gen/gen.h"\n#include "app/util/sink.h"\n' >app/jobs/jobs.c
  printf '#include "lwip/tcp.h"\n#include "app/http/http_parser.h"\n' >app/http/server.c
  printf '#include "app/http/server.h"\n#include "cJSON.h"\n#include "app/jobs/jobs.h"\n' >app/api/h.c
  printf '#include <emmintrin.h>\n#include "mbedtls/sha1.h"\n#include "port/json_arena.h"\n' \
    >app/util/u.c
  printf '#include "app/board.h"\n#include "app/log.h"\n#include <unistd.h>\n' >drivers/eth/e.c
}

obj() { # build-folder source-text object-name
  mkdir -p "$1"
  printf '%s\n' "$2" >"$tmp/src.c"
  gcc -O1 -c "$tmp/src.c" -o "$1/$3"
}

layers() {
  base
  expect "layering: a clean tree passes" 0 "passed (0 known" layers

  base
  echo '#include <unistd.h>' >>app/http/server.c
  expect "layering: app/ including an OS header fails" 1 "app/http/server.c: includes unistd.h" layers

  base
  echo '#include "board/linux/tapif.h"' >>app/util/u.c
  expect "layering: app/ including a board header fails" 1 "app/util/u.c: includes board/linux/tapif.h" layers

  base
  echo '#include "app/jobs/jobs.h"' >>app/gen/gen.c
  expect "layering: app/gen including jobs fails" 1 "app/gen/gen.c: includes app/jobs/jobs.h" layers

  base
  echo '#include "../http/server.h"' >>app/gen/gen.c
  : >app/http/server.h
  expect "layering: a relative include is resolved before the rules" 1 "includes app/http/server.h" layers

  base
  echo '#include "app/ws/ws_conn.h"' >>app/jobs/jobs.c
  expect "layering: app/jobs including a transport fails" 1 "app/jobs/jobs.c: includes app/ws/ws_conn.h" layers

  base
  echo '#include "app/api/router.h"' >>app/http/server.c
  expect "layering: app/http including the API fails" 1 \
    "app/http/server.c: includes app/api/router.h" layers

  base
  mkdir -p app/net && echo '#include "app/http/server.h"' >app/net/conn.c
  expect "layering: the connection core including HTTP fails" 1 \
    "app/net/conn.c: includes app/http/server.h" layers

  base
  echo '#include "app/http/server.h"' >>drivers/eth/e.c
  expect "layering: a driver including app/ beyond board.h and log.h fails" 1 \
    "drivers/eth/e.c: includes app/http/server.h" layers

  rm -rf "$tmp/t" && mkdir -p "$tmp/t"
  expect "layering: an empty tree fails (nothing was checked)" 1 "no includes found" layers
}

tools() {
  command -v gcc >/dev/null || { echo "FAIL gcc not found"; F=$((F + 1)); return; }
  # ---- check_heap.sh ----
  B=$tmp/heap
  obj "$B/clean/linux" '#include <string.h>
  void f(char *p) { memset(p, 0, 4); }' a.o
  obj "$B/dirty/linux" '#include <stdlib.h>
  void *f(void) { return malloc(4); }' a.o
  mkdir -p "$B/empty/linux"
  expect "check-heap: objects without the heap pass" 0 "1 objects, no malloc" \
    env BUILD_DIR="$B/clean" bash "$here/check_heap.sh" linux
  expect "check-heap: an object calling malloc fails" 1 "a.o: malloc" \
    env BUILD_DIR="$B/dirty" bash "$here/check_heap.sh" linux
  expect "check-heap: no objects fails" 1 "FAIL, no objects" \
    env BUILD_DIR="$B/empty" bash "$here/check_heap.sh" linux
  expect "check-heap: a missing nm fails" 1 "FAIL, /nonexistent/nm not found" \
    env BUILD_DIR="$B/clean" NM=/nonexistent/nm bash "$here/check_heap.sh" linux
  expect "check-heap: an nm that fails fails" 1 "could not read" \
    env BUILD_DIR="$B/clean" NM=false bash "$here/check_heap.sh" linux

  # ---- check_float.sh ----
  C=$tmp/float
  mkdir -p "$C/src-clean" "$C/src-float"
  printf '/* a float in a comment line is prose */\nint f(int a) { return a * 3; }\n' >"$C/src-clean/g.c"
  echo 'double f(double a) { return a * 2.5; }' >"$C/src-float/g.c"
  obj "$C/clean/linux/app/gen" 'int f(int a) { return a * 3; }' g.o
  obj "$C/dirty/linux/app/gen" 'double f(double a) { return a * 2.5; }' g.o
  mkdir -p "$C/empty/linux/app/gen"
  expect "check-float: integer objects and sources pass" 0 "no floating-point instructions" \
    env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
  expect "check-float: a float multiply fails" 1 "g.o: mulsd" \
    env BUILD_DIR="$C/dirty" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
  expect "check-float: a double in the sources fails" 1 "float or double in app/gen" \
    env BUILD_DIR="$C/clean" GEN_SRC="$C/src-float" bash "$here/check_float.sh" linux
  expect "check-float: no objects fails" 1 "FAIL, no objects" \
    env BUILD_DIR="$C/empty" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
  expect "check-float: a missing objdump fails" 1 "not found: /nonexistent/objdump" \
    env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" OBJDUMP=/nonexistent/objdump \
    bash "$here/check_float.sh" linux
  expect "check-float: an objdump that fails fails" 1 "could not read" \
    env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" OBJDUMP=false bash "$here/check_float.sh" linux
  expect "check-float: no sources fails" 1 "no sources" \
    env BUILD_DIR="$C/clean" GEN_SRC="$C/none" bash "$here/check_float.sh" linux
}

case ${1:-} in
  layers | tools) "$1" ;;
  *) echo "usage: $0 layers|tools"; exit 2 ;;
esac
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
