#!/usr/bin/env bash
# make valgrind (outside CI): the whole end-to-end suite against the host firmware running
# under valgrind's memcheck. Passes when valgrind reports no error (the suite's own results
# are shown too; timing-bound tests may be slower than they allow under valgrind's ~30x).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
command -v valgrind >/dev/null || { echo "valgrind: missing (make deps)"; record valgrind 0 1; exit 1; }
make --no-print-directory -j2 BOARD=linux all >/dev/null || { record valgrind 0 1; exit 1; }
export FIRMWARE_WRAP="valgrind --error-exitcode=99 --track-origins=yes --leak-check=full --errors-for-leak-kinds=definite"
export SIM_WAIT_SECS=60 EDGE_SLOW=${EDGE_SLOW:-4}
E2E_TIER=valgrind SIM_NS=eavg$$ bash tests/run_e2e.sh
rc=$?
log=build/e2e/valgrind-firmware.log
echo "valgrind: $(grep -E 'ERROR SUMMARY' "$log" | tail -n 1)"
grep -E 'in use at exit|definitely lost' "$log" | tail -n 2
exit $rc
