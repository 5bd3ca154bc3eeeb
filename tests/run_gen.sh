#!/usr/bin/env bash
# Generator tier: the host firmware's --generate against the integer reference on a fresh
# random sweep (tests/gen/sweep.py: prompts, seeds, 1-100 steps, guidance 1-20, PNGs through
# pngcheck and PIL), then the no-float check on the generator's objects for both boards.
#   SWEEP_CASES=N sets the sweep's size, SWEEP_SEED=S repeats a sweep.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
P=0; F=0
if ! make --no-print-directory -j2 BOARD=linux all >/dev/null; then
  echo "host build failed"
  record gen 0 1
  exit 1
fi
log=$(mktemp)
/usr/bin/python3 tests/gen/sweep.py --cases "${SWEEP_CASES:-24}" ${SWEEP_SEED:+--seed "$SWEEP_SEED"} \
  2>&1 | tee "$log"
count_plain "$log"
grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$log" || F=$((F + 1)) # died before its summary
rm -f "$log"
if make --no-print-directory -j2 BOARD=mps2-an386 all >/dev/null && bash scripts/check_float.sh; then
  P=$((P + 1))
else
  F=$((F + 1))
fi
record gen "$P" "$F"
[ "$F" -eq 0 ]
