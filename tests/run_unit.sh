#!/usr/bin/env bash
# Unit tier: every host unit-test binary (cmocka, ASan+UBSan). No network, no root.
set -u
. "$(dirname "$0")/lib.sh"
P=0; F=0
log=$(mktemp)
for bin in "$@"; do
  echo "-- $bin"
  if ! "$bin" >"$log" 2>&1; then
    cat "$log"
    # A binary that crashed before its summary counts as one failure.
    grep -qE '^\[  (PASSED|FAILED)  \]' "$log" || F=$((F + 1))
  else
    grep -E '^\[  (PASSED|FAILED)  \]' "$log"
  fi
  count_cmocka "$log"
done
rm -f "$log"
record unit "$P" "$F"
[ "$F" -eq 0 ]
