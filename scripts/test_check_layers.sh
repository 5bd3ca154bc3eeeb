#!/usr/bin/env bash
# The layering check must fail on each kind of forbidden include and pass a clean tree:
# scripts/check_layers.sh run over small temporary trees. Prints one line per case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=0 F=0

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

# case name, expected status (0 pass, 1 fail), text the output must contain
expect() {
  local name=$1 want=$2 text=$3 out rc
  out=$(bash "$here/check_layers.sh" "$tmp/t" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -qF -- "$text" <<<"$out"; then
    echo "ok   layering check: $name"
    P=$((P + 1))
  else
    echo "FAIL layering check: $name (status $rc, want $want; output:)"
    echo "$out" | sed 's/^/     /'
    F=$((F + 1))
  fi
}

base
expect "a clean tree passes" 0 "passed (0 known"

base
echo '#include <unistd.h>' >>app/http/server.c
expect "app/ including an OS header fails" 1 "app/http/server.c: includes unistd.h"

base
echo '#include "board/linux/tapif.h"' >>app/util/u.c
expect "app/ including a board header fails" 1 "app/util/u.c: includes board/linux/tapif.h"

base
echo '#include "app/jobs/jobs.h"' >>app/gen/gen.c
expect "app/gen including jobs fails" 1 "app/gen/gen.c: includes app/jobs/jobs.h"

base
echo '#include "../http/server.h"' >>app/gen/gen.c
: >app/http/server.h
expect "a relative include is resolved before the rules" 1 "includes app/http/server.h"

base
echo '#include "app/ws/ws_conn.h"' >>app/jobs/jobs.c
expect "app/jobs including a transport fails" 1 "app/jobs/jobs.c: includes app/ws/ws_conn.h"

base
echo '#include "app/api/router.h"' >>app/http/server.c
expect "app/http including the API fails" 1 "app/http/server.c: includes app/api/router.h"

base
mkdir -p app/net && echo '#include "app/http/server.h"' >app/net/conn.c
expect "the connection core including HTTP fails" 1 "app/net/conn.c: includes app/http/server.h"

base
echo '#include "app/http/server.h"' >>drivers/eth/e.c
expect "a driver including app/ beyond board.h and log.h fails" 1 \
  "drivers/eth/e.c: includes app/http/server.h"

rm -rf "$tmp/t" && mkdir -p "$tmp/t"
expect "an empty tree fails (nothing was checked)" 1 "no includes found"

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
