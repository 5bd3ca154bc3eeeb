#!/usr/bin/env bash
# make check-heap: no object of the firmware (ours and the configured third-party code)
# references the libc heap. Reads undefined symbols from the objects themselves.
set -u
cd "$(dirname "$0")/.." || exit 1
boards=${1:-$(ls board)}
status=0
for b in $boards; do
  dir=build/$b
  [ -d "$dir" ] || make --no-print-directory -j2 BOARD=$b all >/dev/null || { status=1; continue; }
  nm=nm
  [ "$b" != linux ] && nm=arm-none-eabi-nm
  objs=$(find "$dir" -name '*.o' | sort)
  bad=$($nm -u $objs 2>/dev/null | awk '/^.*:$/{f=$0; next} /\<(malloc|calloc|realloc|free)$/{print f, $NF}')
  if [ -n "$bad" ]; then
    echo "check-heap: $b: objects that reference the heap:"
    echo "$bad" | sed 's/^/  /'
    status=1
  else
    echo "check-heap: $b: $(echo "$objs" | wc -w) objects, no malloc/calloc/realloc/free"
  fi
done
exit $status
