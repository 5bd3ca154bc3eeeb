#!/usr/bin/env bash
# make size: RAM and flash per module for every board that builds, and the linked total.
# Per-module figures come from the objects (before the linker drops unused sections);
# the total line comes from the linked image and is what the board must hold.
set -u
cd "$(dirname "$0")/.." || exit 1
boards=${1:-$(ls board)}
for b in $boards; do
  make --no-print-directory -j2 BOARD=$b all >/dev/null || { echo "size: $b does not build"; continue; }
  sz=size; [ "$b" != linux ] && sz=arm-none-eabi-size
  img=build/$b/edgeartist; [ -f "$img.elf" ] && img=$img.elf
  echo "== $b ($img)"
  printf '%-22s %9s %9s %9s %9s %9s\n' module text data bss flash ram
  find build/$b -name '*.o' | sort | xargs $sz 2>/dev/null | awk '
    NR > 1 {
      f = $6; sub("^build/[^/]+/", "", f)
      n = split(f, p, "/")
      if (p[1] == "third_party") m = (f ~ /\/apps\/mqtt\//) ? "lwip-mqtt" : p[2]
      else if (p[1] == "build" && p[2] == "gen") m = "web assets (gen)"
      else if (p[1] == "app" && n > 2) m = p[1] "/" p[2]
      else m = p[1]
      t[m] += $1; d[m] += $2; b[m] += $3
    }
    END {
      for (m in t) printf "%-22s %9d %9d %9d %9d %9d\n", m, t[m], d[m], b[m], t[m] + d[m], d[m] + b[m]
    }' | sort
  $sz "$img" | awk 'NR == 2 { printf "%-22s %9d %9d %9d %9d %9d\n", "linked image", $1, $2, $3, $1 + $2, $2 + $3 }'
  echo
done
