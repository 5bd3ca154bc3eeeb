#!/usr/bin/env bash
# make check-heap: no object of the firmware (ours and the configured third-party code)
# references the libc heap. Reads undefined symbols from the objects themselves. A missing
# nm, no objects, or an object nm cannot read fails the check: it never passes unread.
# NM overrides the tool and BUILD_DIR the build folder (the check's own test uses both).
set -u
cd "$(dirname "$0")/.." || exit 1
boards=${1:-$(ls board)}
status=0
for b in $boards; do
  dir=${BUILD_DIR:-build}/$b
  [ -d "$dir" ] || make --no-print-directory -j2 BOARD=$b all >/dev/null || {
    echo "check-heap: $b: FAIL, the build failed"
    status=1
    continue
  }
  nm=${NM:-nm}
  [ -z "${NM:-}" ] && [ "$b" != linux ] && nm=arm-none-eabi-nm
  if ! command -v "$nm" >/dev/null; then
    echo "check-heap: $b: FAIL, $nm not found"
    status=1
    continue
  fi
  objs=$(find "$dir" -name '*.o' | sort)
  if [ -z "$objs" ]; then
    echo "check-heap: $b: FAIL, no objects in $dir"
    status=1
    continue
  fi
  # nm's errors are shown and fail the check; its output is read only when it succeeded.
  # -A puts the object's name on every line (also when there is only one object).
  if ! syms=$($nm -A -u $objs); then
    echo "check-heap: $b: FAIL, $nm could not read the objects"
    status=1
    continue
  fi
  # Matched by whole symbol name: awk here may be mawk, which has no \< word boundary.
  bad=$(awk '$NF ~ /^_?(malloc|calloc|realloc|free)(_r)?$/ {print $1, $NF}' <<<"$syms")
  if [ -n "$bad" ]; then
    echo "check-heap: $b: objects that reference the heap:"
    echo "$bad" | sed 's/^/  /'
    status=1
  else
    echo "check-heap: $b: $(echo "$objs" | wc -w) objects, no malloc/calloc/realloc/free"
  fi
done
exit $status
