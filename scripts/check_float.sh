#!/usr/bin/env bash
# The generator is integer-only (model/SPEC.md 4): no object of app/gen may contain a
# floating-point instruction or call a soft-float helper, on the host and on the Cortex-M4.
#   x86-64: no SSE/AVX scalar or packed float arithmetic, conversions or compares, no FMA,
#           no x87 (integer SSE such as paddd or pmaddwd is fine);
#   Arm:    no VFP instruction (any v* mnemonic: the M4 has no NEON) and no reference to
#           __aeabi_f*/__aeabi_d*/__aeabi_*2f/*2d or libgcc's __addsf3, __floatsidf, ...
# Also no `float` or `double` in the generator's code (comments aside). Usage: scripts/check_float.sh [boards]
# A missing objdump or nm, no objects, or an object either cannot read fails the check: it
# never passes unread. OBJDUMP and NM override the tools, BUILD_DIR the build folder and
# GEN_SRC the sources (the check's own test uses them).
set -u
cd "$(dirname "$0")/.." || exit 1
boards=${1:-"linux mps2-an386"}
status=0
x86_re='^v?(cvt[a-z0-9]*|(add|sub|mul|div|sqrt|min|max|rcp|rsqrt|round|hadd|hsub|addsub|dp)(ss|sd|ps|pd)|u?comis[sd]|cmp[a-z]*(ss|sd|ps|pd)|vfn?m(add|sub)[a-z0-9]*|f[a-z0-9]+)$'
arm_re='^v[a-z]'
helper_re='^(__aeabi_[fd]|__aeabi_[a-z0-9]+2[fd]$|__(add|sub|mul|div|neg|cmp|eq|ne|lt|le|gt|ge|unord|pow)[sdtx]f[23]$|__(float|fix|fixuns|extend|trunc)[a-z]*[sdtx]f[0-9]?$|(sqrt|exp|exp2|log|log2|pow|sin|cos|tan|floor|ceil|round|lround|lrint|fabs|fmod)f?$)'
for b in $boards; do
  dir=${BUILD_DIR:-build}/$b/app/gen
  [ -d "$dir" ] || make --no-print-directory -j2 BOARD=$b all >/dev/null || {
    echo "check-float: $b: FAIL, the build failed"
    status=1
    continue
  }
  objdump=objdump nm=nm re=$x86_re
  [ "$b" != linux ] && objdump=arm-none-eabi-objdump nm=arm-none-eabi-nm re=$arm_re
  objdump=${OBJDUMP:-$objdump} nm=${NM:-$nm}
  missing=
  for t in "$objdump" "$nm"; do command -v "$t" >/dev/null || missing="$missing $t"; done
  [ -n "$missing" ] && { echo "check-float: $b: FAIL, not found:$missing"; status=1; continue; }
  objs=$(ls "$dir"/*.o 2>/dev/null)
  [ -z "$objs" ] && { echo "check-float: $b: FAIL, no objects in $dir"; status=1; continue; }
  # "addr:<TAB>mnemonic operands" -> "object: mnemonic" for each float instruction; a
  # disassembly that fails fails the check (its error is shown).
  insns= unread=
  for o in $objs; do
    if ! dis=$($objdump -d --no-show-raw-insn "$o"); then
      unread="$unread $o"
      continue
    fi
    insns+=$(awk -F'\t' -v o="$o" -v re="$re" \
      'NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ { split($2, w, " "); if (w[1] ~ re) print o ": " $2 }' \
      <<<"$dis")
  done
  if [ -n "$unread" ] || ! syms=$($nm -A -u $objs); then
    echo "check-float: $b: FAIL, could not read:${unread:- (nm)}"
    status=1
    continue
  fi
  calls=$(awk -v re="$helper_re" '$NF ~ re {print $1, $NF}' <<<"$syms")
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
gen_src=${GEN_SRC:-app/gen}
srcs=$(ls "$gen_src"/*.[ch] 2>/dev/null)
if [ -z "$srcs" ]; then
  echo "check-float: sources: FAIL, no sources in $gen_src"
  exit 1
fi
src=$(grep -HnwE 'float|double|_Float[0-9]+|long double' $srcs |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|/?\*)')
if [ -n "$src" ]; then
  echo "check-float: sources: FAIL, float or double in app/gen:"
  echo "$src" | head -10 | sed 's/^/  /'
  status=1
else
  echo "check-float: sources: no float or double in app/gen"
fi
exit $status
