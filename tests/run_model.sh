#!/usr/bin/env bash
# Model tier: the Python side (scenes, prompt parser table, integer reference against its
# golden vectors, judge, PSNR and adherence aims), with Debian's pytest on the system interpreter.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/lib.sh
P=0; F=0
dirs=$(ls -d model/tests tests/model 2>/dev/null)
if [ -z "$dirs" ]; then
  echo "no model tests yet"
  record model 0 0
  exit 0
fi
log=$(mktemp)
/usr/bin/python3 -m pytest -q -p no:cacheprovider $dirs >"$log" 2>&1
tail -n 15 "$log"
count_plain "$log"
grep -qE '[0-9]+ (passed|failed)' "$log" || F=$((F + 1))
rm -f "$log"
record model "$P" "$F"
[ "$F" -eq 0 ]
