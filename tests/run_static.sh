#!/usr/bin/env bash
# Static tier: the house rules checked on the built objects and sources.
set -u
. "$(dirname "$0")/lib.sh"
P=0; F=0
check() { # name command...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; P=$((P + 1)); else echo "FAIL $name"; F=$((F + 1)); fi
}
check "host build (-Wall -Wextra -Werror)" make --no-print-directory -j2 BOARD=linux all
check "Cortex-M4 build (mps2-an386)" make --no-print-directory -j2 BOARD=mps2-an386 all
check "no heap in firmware objects (linux)" bash scripts/check_heap.sh linux
check "no heap in firmware objects (mps2-an386)" bash scripts/check_heap.sh mps2-an386
check "clang-format clean" bash scripts/check_format.sh
check "no floating point in app/gen (linux, mps2-an386)" bash scripts/check_float.sh
check "layering: no forbidden include (scripts/check_layers.sh)" bash scripts/check_layers.sh
check "the layering check fails on forbidden includes" bash scripts/test_checks.sh layers
check "check-heap and check-float fail on finds and on missing tools" bash scripts/test_checks.sh tools
record static "$P" "$F"
[ "$F" -eq 0 ]
