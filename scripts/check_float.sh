#!/usr/bin/env bash
# The generator is integer-only (model/SPEC.md 4): no object of app/gen may contain a
# floating-point instruction or call a soft-float helper, on the host and on the Cortex-M4.
#   x86-64: no SSE/AVX scalar or packed float arithmetic, conversions or compares, no FMA,
#           no x87 (integer SSE such as paddd or pmaddwd is fine);
#   Arm:    no VFP instruction (any v* mnemonic: the M4 has no NEON) and no reference to
#           __aeabi_f*/__aeabi_d*/__aeabi_*2f/*2d or libgcc's __addsf3, __floatsidf, ...
# Also no `float` or `double` in the generator's code (comments aside). Usage: scripts/check_float.sh [boards]
set -u
cd "$(dirname "$0")/.." || exit 1
boards=${1:-"linux mps2-an386"}
status=0
x86_re='^v?(cvt[a-z0-9]*|(add|sub|mul|div|sqrt|min|max|rcp|rsqrt|round|hadd|hsub|addsub|dp)(ss|sd|ps|pd)|u?comis[sd]|cmp[a-z]*(ss|sd|ps|pd)|vfn?m(add|sub)[a-z0-9]*|f[a-z0-9]+)$'
arm_re='^v[a-z]'
helper_re='^(__aeabi_[fd]|__aeabi_[a-z0-9]+2[fd]$|__(add|sub|mul|div|neg|cmp|eq|ne|lt|le|gt|ge|unord|pow)[sdtx]f[23]$|__(float|fix|fixuns|extend|trunc)[a-z]*[sdtx]f[0-9]?$|(sqrt|exp|exp2|log|log2|pow|sin|cos|tan|floor|ceil|round|lround|lrint|fabs|fmod)f?$)'
for b in $boards; do
  dir=build/$b/app/gen
  [ -d "$dir" ] || make --no-print-directory -j2 BOARD=$b all >/dev/null || { status=1; continue; }
  objdump=objdump nm=nm re=$x86_re
  [ "$b" != linux ] && objdump=arm-none-eabi-objdump nm=arm-none-eabi-nm re=$arm_re
  objs=$(ls "$dir"/*.o 2>/dev/null)
  [ -z "$objs" ] && { echo "check-float: $b: no objects in $dir"; status=1; continue; }
  # "addr:<TAB>mnemonic operands" -> "object: mnemonic" for each float instruction
  insns=$(for o in $objs; do
    $objdump -d --no-show-raw-insn "$o" | awk -F'\t' -v o="$o" -v re="$re" \
      'NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ { split($2, w, " "); if (w[1] ~ re) print o ": " $2 }'
  done)
  calls=$($nm -u $objs 2>/dev/null | awk -v re="$helper_re" '/:$/ {f = $0; next} $NF ~ re {print f, $NF}')
  if [ -n "$insns$calls" ]; then
    echo "check-float: $b: FAIL, floating point in app/gen objects:"
    printf '%s\n%s\n' "$insns" "$calls" | sed '/^$/d' | head -20 | sed 's/^/  /'
    status=1
  else
    n=$(echo "$objs" | wc -w)
    echo "check-float: $b: $n objects in $dir, no floating-point instructions or soft-float calls"
  fi
done
# Comment lines are prose (the generated tables name their source, model/float.pt); code is
# what must not declare a float.
src=$(grep -nwE 'float|double|_Float[0-9]+|long double' app/gen/*.c app/gen/*.h 2>/dev/null |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|/?\*)')
if [ -n "$src" ]; then
  echo "check-float: sources: FAIL, float or double in app/gen:"
  echo "$src" | head -10 | sed 's/^/  /'
  status=1
else
  echo "check-float: sources: no float or double in app/gen"
fi
exit $status
