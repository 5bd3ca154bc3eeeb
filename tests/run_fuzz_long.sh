#!/usr/bin/env bash
# make fuzz-long (outside CI): every libFuzzer target for FUZZ_LONG_SECONDS (3600) each, the
# targets in turn (FUZZ_LONG_JOBS=2 runs two at once), growing build/fuzz/corpus/<target>.
# Prints per target: executions, coverage (libFuzzer's cov: edges, ft: features), corpus
# size, and whether it ended clean. Logs in build/fuzz/long-<target>.log.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
SECS=${FUZZ_LONG_SECONDS:-3600}
JOBS=${FUZZ_LONG_JOBS:-1}
make --no-print-directory -j2 fuzz-build >/dev/null || exit 1
run() {
  local bin=$1 name seeds corpus log
  name=$(basename "$bin")
  corpus=build/fuzz/corpus/${name#fuzz_}
  seeds=tests/fuzz/corpus/${name#fuzz_}
  [ -d "$seeds" ] || seeds=
  mkdir -p "$corpus"
  log=build/fuzz/long-$name.log
  if nice -n 10 "$bin" -max_total_time="$SECS" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/ "$corpus" $seeds >"$log" 2>&1; then st=clean; else st=FAILED; fi
  local execs cov
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
  echo "$name: $st, ${execs:-?} executions in ${SECS}s, $cov"
  [ "$st" = clean ]
}
rc=0
set -- build/fuzz/fuzz_*
while [ $# -gt 0 ]; do
  pids=()
  for _ in $(seq "$JOBS"); do
    [ $# -gt 0 ] || break
    run "$1" & pids+=($!)
    shift
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
done
exit $rc
