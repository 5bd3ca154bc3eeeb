#!/usr/bin/env bash
# make test: every tier CI checks, then one closing line "N passed, N failed".
#   TIERS="unit static fuzz e2e ..." selects tiers; FUZZ_SECONDS sets each fuzzer's run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export RESULTS="$top/build/test-results.txt"
mkdir -p build
: >"$RESULTS"
. tests/lib.sh
TIERS=${TIERS:-"unit static fuzz model gen e2e faults san fleet qemu"}

bash scripts/deps.sh || { record deps 0 1; }
for tier in $TIERS; do
  echo
  echo "==== tier: $tier"
  t0=$SECONDS
  case $tier in
    unit) make --no-print-directory -j2 test-unit || true ;;
    *) bash "tests/run_$tier.sh" || true ;;
  esac
  grep -q "^$tier " "$RESULTS" || record "$tier" 0 1 # a tier that died before counting
  echo "($tier took $((SECONDS - t0)) s)"
done
echo
echo "==== summary"
awk '{printf "  %-10s %4d passed, %d failed\n", $1, $2, $3}' "$RESULTS"
read -r passed failed < <(awk '{p+=$2; f+=$3} END{print p+0, f+0}' "$RESULTS")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
