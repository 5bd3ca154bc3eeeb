#!/usr/bin/env bash
# The generator on the Cortex-M4 (mps2-an386 in QEMU): instructions per multiply-accumulate
# for a whole 20-step image. QEMU runs with -icount shift=0, where the guest's clock advances
# one nanosecond per instruction executed, so the device's own generation_time_ms (its
# clock, in the job's metadata) is instructions / 10^6. MACs per image come from the host
# build (--stats; the same model and integer engine). Includes the superloop's other work
# during the job (lwIP timers, one idle connection), which is small. Projected time per
# image at 100 MHz assumes one instruction per cycle (loads and SMLAD on an M4 often take
# more: a floor, not a promise). Then per kernel, from the device's own counters
# (GET /api/debug/gen_profile, GEN_PROFILE in app/config.h: board_now_ns() read around each
# kernel call, at SysTick's resolution of 40 instructions): instructions, MACs,
# instructions per MAC and share of the image. A kernel's instructions are those of its
# call as a whole (set-up, every pass, stores of the results), not of its inner loop alone;
# "other" is the rest of gen_begin()/gen_slice() (unit dispatch, the profiler's own clock
# reads). Prints tables; nothing is asserted.
# Usage: QEMU_PORT=8170 bench/m4_bench.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PORT=${QEMU_PORT:-8170}
STEPS=${STEPS:-20}
# The profiling build (PROFILE=1: GEN_PROFILE on, build/mps2-an386-prof/): its counters cost
# ~1.5 % of the image, which the whole-image row includes.
make --no-print-directory -j2 BOARD=mps2-an386 PROFILE=1 all >/dev/null || { echo "m4_bench: build failed"; exit 1; }
make --no-print-directory -j2 BOARD=linux all >/dev/null || { echo "m4_bench: build failed"; exit 1; }
prompt="a red circle on a blue background"
macs=$(build/linux/edgeartist --generate "$prompt" --steps "$STEPS" --guidance 7.5 --seed 1 --stats 2>/dev/null |
  sed -n 's/.*\<macs \([0-9]*\).*/\1/p')
log=$(mktemp)
QEMU_ELF=$top/build/mps2-an386-prof/edgeartist.elf QEMU_PORT=$PORT QEMU_EXTRA="-icount shift=0" QEMU_BOOT_TIMEOUT=120 bash sim/qemu.sh >"$log" 2>&1 &
qs=$!
trap 'kill $qs 2>/dev/null; wait $qs 2>/dev/null; rm -f "$log" "$log.dev.png" "$log.host.png"' EXIT
for _ in $(seq 1200); do grep -q "is up" "$log" && break; kill -0 $qs 2>/dev/null || break; sleep 0.1; done
grep -q "is up" "$log" || { echo "m4_bench: QEMU did not come up"; cat "$log"; exit 1; }
url=http://127.0.0.1:$PORT
t0=$(date +%s%N)
sid=$(curl -s -m 10 -X POST -H 'Content-Type: application/json' \
  -d "{\"prompt\":\"$prompt\",\"num_inference_steps\":$STEPS,\"guidance_scale\":7.5,\"seed\":1,\"preview\":false}" \
  "$url/api/generate" | sed -n 's/.*"session_id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$sid" ] || { echo "m4_bench: no job"; exit 1; }
job=
for _ in $(seq 3000); do
  job=$(curl -s -m 10 "$url/api/jobs/$sid")
  echo "$job" | grep -q '"status":"complete"' && break
  sleep 0.2
done
wall_ms=$((($(date +%s%N) - t0) / 1000000))
gen_ms=$(echo "$job" | sed -n 's/.*"generation_time_ms":\([0-9]*\).*/\1/p')
[ -n "$gen_ms" ] || { echo "m4_bench: the job did not finish: $job"; exit 1; }
# The image must be the host's, byte for byte (the QEMU tier checks the same).
curl -s -o "$log.dev.png" "$url/api/images/$sid/0.png"
build/linux/edgeartist --generate "$prompt" --steps "$STEPS" --guidance 7.5 --seed 1 \
  --out "$log.host.png" >/dev/null 2>&1
cmp -s "$log.dev.png" "$log.host.png" && same=yes || same=no
prof=$(curl -s -m 10 "$url/api/debug/gen_profile")
awk -v ms="$gen_ms" -v m="$macs" -v steps="$STEPS" -v wall="$wall_ms" -v same="$same" 'BEGIN {
  instr = ms * 1e6
  printf "| what (\"a red circle on a blue background\", %d steps, guidance 7.5, seed 1) | value |\n| --- | ---: |\n", steps
  printf "| instructions per image (QEMU -icount shift=0: generation_time_ms x 10^6) | %.0f M |\n", instr / 1e6
  printf "| multiply-accumulates per image (host --stats) | %.1f M |\n", m / 1e6
  printf "| instructions per MAC, whole image | %.2f |\n", instr / m
  printf "| projected time per image at 100 MHz (1 instruction per cycle) | %.1f s |\n", instr / 1e8
  printf "| image identical to the host build | %s |\n", same
  printf "| wall time under emulation | %.1f s |\n", wall / 1000
}'
# Per kernel: "name":{"ns":N,"macs":N,"calls":N} -> name ns macs calls, one a line.
echo "$prof" | grep -q '"enabled":true' || { echo "(no per-kernel figures: GEN_PROFILE is 0)"; exit 0; }
echo
echo "$prof" | sed 's/},/}\n/g' | sed -n 's/.*"\([a-z0-9_]*\)":{"ns":\([0-9]*\),"macs":\([0-9]*\),"calls":\([0-9]*\)}.*/\1 \2 \3 \4/p' |
  awk '{ name[NR] = $1; ns[NR] = $2; macs[NR] = $3; calls[NR] = $4; if ($1 == "total") { tot = $2; tm = $3 } else { sum += $2 } }
  END {
    printf "| kernel (QEMU -icount shift=0, instructions = board ns) | calls | instructions | MACs | instructions/MAC | share of the image |\n"
    printf "| --- | ---: | ---: | ---: | ---: | ---: |\n"
    for (i = 1; i <= NR; i++) {
      if (name[i] == "total") continue
      ipm = macs[i] > 0 ? sprintf("%.3f", ns[i] / macs[i]) : "-"
      printf "| %s | %d | %.1f M | %.1f M | %s | %.1f %% |\n", name[i], calls[i], ns[i] / 1e6, macs[i] / 1e6, ipm, 100 * ns[i] / tot
    }
    printf "| other (dispatch, profiler) | - | %.1f M | - | - | %.1f %% |\n", (tot - sum) / 1e6, 100 * (tot - sum) / tot
    printf "| total (gen_begin + gen_slice) | - | %.1f M | %.1f M | %.3f | 100 %% |\n", tot / 1e6, tm / 1e6, tot / tm
  }'
