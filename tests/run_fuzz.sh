#!/usr/bin/env bash
# Fuzz tier: every libFuzzer target (ASan + UBSan) for FUZZ_SECONDS each (60 in CI).
# A target passes when it runs its time out with no crash, leak or sanitizer report.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
SECS=${FUZZ_SECONDS:-$([ "${CI:-}" = true ] && echo 60 || echo 15)}
P=0; F=0
make --no-print-directory -j2 fuzz-build >/dev/null || { record fuzz 0 1; exit 1; }
for bin in build/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus=build/fuzz/corpus/${name#fuzz_}
  mkdir -p "$corpus"
  seeds=tests/fuzz/corpus/${name#fuzz_}
  [ -d "$seeds" ] || seeds=
  if "$bin" -max_total_time="$SECS" -rss_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/ "$corpus" $seeds >"build/fuzz/$name.log" 2>&1; then
    echo "ok   $name: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "build/fuzz/$name.log" | grep -Eo '[0-9]+$') runs in ${SECS}s"
    P=$((P + 1))
  else
    echo "FAIL $name"; tail -n 40 "build/fuzz/$name.log"
    F=$((F + 1))
  fi
done
record fuzz "$P" "$F"
[ "$F" -eq 0 ]
