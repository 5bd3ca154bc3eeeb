#!/usr/bin/env bash
# San tier: the whole end-to-end suite against the host firmware built with AddressSanitizer
# and UndefinedBehaviorSanitizer (make SAN=1). Any sanitizer report fails the tier.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
make --no-print-directory -j2 SAN=1 BOARD=linux all >/dev/null || { record san 0 1; exit 1; }
# UBSan reports and goes on (every report is counted); ASan stops at the first error.
# handle_abort: a panic (abort, e.g. an lwIP assertion) prints its stack in the firmware log.
export UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:handle_abort=1
# The sanitized firmware runs 2-3x slower: timeouts stretch (EDGE_SLOW), and, as in the QEMU
# tier, the files built around long jobs on a fast host (a 50-step job with a 5 s pause,
# previews on 80 % of steps, round-trip timing during a job) are left to the e2e tier, which
# runs them against the same code unsanitized. What this tier looks for is a sanitizer report.
export EDGE_SLOW=${EDGE_SLOW:-2}
export E2E_SKIP=${E2E_SKIP-jobs_delivery.mjs jobs_echo_during_job.mjs jobs_replay.mjs}
FIRMWARE="$top/build/linux-san/edgeartist" E2E_TIER=san SIM_NS=easan$$ bash tests/run_e2e.sh
