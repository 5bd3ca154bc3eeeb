#!/usr/bin/env bash
# San tier: the whole end-to-end suite against the host firmware built with AddressSanitizer
# and UndefinedBehaviorSanitizer (make SAN=1). Any sanitizer report fails the tier.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
make --no-print-directory -j2 SAN=1 BOARD=linux all >/dev/null || { record san 0 1; exit 1; }
# UBSan reports and goes on (every report is counted); ASan stops at the first error.
export UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
# The sanitized firmware runs 2-3x slower: timeouts stretch (EDGE_SLOW), as for QEMU.
export EDGE_SLOW=${EDGE_SLOW:-2}
FIRMWARE="$top/build/linux-san/edgeartist" E2E_TIER=san SIM_NS=easan$$ bash tests/run_e2e.sh
