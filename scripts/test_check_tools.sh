#!/usr/bin/env bash
# check_heap.sh and check_float.sh must fail on what they look for, and also when they
# cannot look (a missing tool, no objects): run over small objects built here with the host
# gcc. Prints one line per case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=0 F=0
command -v gcc >/dev/null || { echo "FAIL check tools: gcc not found"; echo "0 passed, 1 failed"; exit 1; }

# case name, expected status, text the output must contain, command...
expect() {
  local name=$1 want=$2 text=$3 out rc
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -qF -- "$text" <<<"$out"; then
    echo "ok   $name"
    P=$((P + 1))
  else
    echo "FAIL $name (status $rc, want $want; output:)"
    echo "$out" | sed 's/^/     /'
    F=$((F + 1))
  fi
}

obj() { # build-folder source-text object-name
  mkdir -p "$1"
  printf '%s\n' "$2" >"$tmp/src.c"
  gcc -O1 -c "$tmp/src.c" -o "$1/$3"
}

# ---- check_heap.sh ----
B=$tmp/heap
obj "$B/clean/linux" '#include <string.h>
void f(char *p) { memset(p, 0, 4); }' a.o
obj "$B/dirty/linux" '#include <stdlib.h>
void *f(void) { return malloc(4); }' a.o
mkdir -p "$B/empty/linux"
expect "check-heap: objects without the heap pass" 0 "1 objects, no malloc" \
  env BUILD_DIR="$B/clean" bash "$here/check_heap.sh" linux
expect "check-heap: an object calling malloc fails" 1 "a.o: malloc" \
  env BUILD_DIR="$B/dirty" bash "$here/check_heap.sh" linux
expect "check-heap: no objects fails" 1 "FAIL, no objects" \
  env BUILD_DIR="$B/empty" bash "$here/check_heap.sh" linux
expect "check-heap: a missing nm fails" 1 "FAIL, /nonexistent/nm not found" \
  env BUILD_DIR="$B/clean" NM=/nonexistent/nm bash "$here/check_heap.sh" linux
expect "check-heap: an nm that fails fails" 1 "could not read" \
  env BUILD_DIR="$B/clean" NM=false bash "$here/check_heap.sh" linux

# ---- check_float.sh ----
C=$tmp/float
mkdir -p "$C/src-clean" "$C/src-float"
printf '/* a float in a comment line is prose */\nint f(int a) { return a * 3; }\n' >"$C/src-clean/g.c"
echo 'double f(double a) { return a * 2.5; }' >"$C/src-float/g.c"
obj "$C/clean/linux/app/gen" 'int f(int a) { return a * 3; }' g.o
obj "$C/dirty/linux/app/gen" 'double f(double a) { return a * 2.5; }' g.o
mkdir -p "$C/empty/linux/app/gen"
expect "check-float: integer objects and sources pass" 0 "no floating-point instructions" \
  env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
expect "check-float: a float multiply fails" 1 "g.o: mulsd" \
  env BUILD_DIR="$C/dirty" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
expect "check-float: a double in the sources fails" 1 "float or double in app/gen" \
  env BUILD_DIR="$C/clean" GEN_SRC="$C/src-float" bash "$here/check_float.sh" linux
expect "check-float: no objects fails" 1 "FAIL, no objects" \
  env BUILD_DIR="$C/empty" GEN_SRC="$C/src-clean" bash "$here/check_float.sh" linux
expect "check-float: a missing objdump fails" 1 "not found: /nonexistent/objdump" \
  env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" OBJDUMP=/nonexistent/objdump \
  bash "$here/check_float.sh" linux
expect "check-float: an objdump that fails fails" 1 "could not read" \
  env BUILD_DIR="$C/clean" GEN_SRC="$C/src-clean" OBJDUMP=false bash "$here/check_float.sh" linux
expect "check-float: no sources fails" 1 "no sources" \
  env BUILD_DIR="$C/clean" GEN_SRC="$C/none" bash "$here/check_float.sh" linux

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
