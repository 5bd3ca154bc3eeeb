#!/usr/bin/env bash
# The generator on the host: time per step and per image (20 steps, guidance 7.5), MACs per
# second, instructions per MAC (valgrind callgrind, inside gen_begin/gen_slice only, so it
# repeats exactly), the longest slice, arena and weight bytes; and the float PyTorch model
# (model/net.py, one thread) on the same request in the same run, unbatched (two forwards
# per guided step, as model/sample_float.py) and batched (both branches in one batch-2
# forward, PyTorch's best case). Prints a table; nothing is asserted. REPEATS=N (5).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=build/linux/edgeartist
prompt="a red circle on a blue background"
REPEATS=${REPEATS:-5}
make --no-print-directory -j2 BOARD=linux all >/dev/null || { echo "build failed"; exit 1; }
field() { sed -n "s/.*\<$1 \([0-9]*\).*/\1/p"; }

# The engine: REPEATS runs, the median total, and the worst longest slice of them all.
runs=$(for _ in $(seq "$REPEATS"); do
  "$bin" --generate "$prompt" --steps 20 --guidance 7.5 --seed 1 --stats 2>/dev/null
done)
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
total_us=$(echo "$runs" | field total_us | median)
slice_us=$(echo "$runs" | field longest_slice_us | median)
slice_worst=$(echo "$runs" | field longest_slice_us | sort -n | tail -n1)
slice_macs=$(echo "$runs" | field longest_slice_macs | head -n1)
slices=$(echo "$runs" | field slices | head -n1)
macs=$(echo "$runs" | field macs | head -n1)
arena=$(echo "$runs" | field arena_bytes | head -n1)
step_us=$((total_us / 20))
mac_s=$((macs * 1000000 / total_us))
weights=$(sed -n 's/#define MD_WEIGHT_BYTES \([0-9]*\)/\1/p' app/gen/model_data.h)
flash=$(size build/linux/app/gen/model_data.o | awk 'NR==2 {print $1 + $2}')

# Instructions per MAC: 2 steps, counted inside the generator only.
cg=$(mktemp)
valgrind --tool=callgrind --callgrind-out-file="$cg" --toggle-collect=gen_begin \
  --toggle-collect=gen_slice "$bin" --generate "$prompt" --steps 2 --guidance 7.5 --seed 1 \
  --stats >"$cg.out" 2>"$cg.err"
ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$cg.err")
cg_macs=$(field macs <"$cg.out")
ipm=$(awk -v i="$ir" -v m="$cg_macs" 'BEGIN{printf "%.3f", i / m}')
rm -f "$cg" "$cg.out" "$cg.err"

torch=$(/usr/bin/python3 bench/gen_torch.py "$prompt" 20 75 1 3)
t_step=$(echo "$torch" | field torch_per_step_us)
t_total=$(echo "$torch" | field torch_total_us)
t2_step=$(echo "$torch" | field torch_b2_per_step_us)
t2_total=$(echo "$torch" | field torch_b2_total_us)
ckpt=$(echo "$torch" | sed -n 's/.*ckpt \(.*\)$/\1/p')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }

ms() { awk -v u="$1" 'BEGIN{printf "%.2f ms", u / 1000}'; }
printf '%-44s %s\n' "what (\"$prompt\", 20 steps, guidance 7.5)" "value"
printf '%-44s %s\n' "edgeartist: time per step (mean of 20)" "$(ms $step_us)"
printf '%-44s %s\n' "edgeartist: time per image (20 steps)" "$(ms $total_us)"
printf '%-44s %s\n' "edgeartist: multiply-accumulates per second" \
  "$(awk -v m="$mac_s" 'BEGIN{printf "%.2f G", m / 1e9}') ($macs MACs per image)"
printf '%-44s %s\n' "edgeartist: instructions per MAC (callgrind)" "$ipm ($ir instr / $cg_macs MACs)"
printf '%-44s %s\n' "edgeartist: longest slice (median, worst)" \
  "${slice_us} us, ${slice_worst} us ($slice_macs MACs; $slices slices per image)"
printf '%-44s %s\n' "edgeartist: arena (static RAM)" "$arena bytes"
printf '%-44s %s\n' "edgeartist: weights (int8) / model_data flash" "$weights bytes / $flash bytes"
printf '%-44s %s\n' "PyTorch 1 thread, 2 forwards per guided step" "$(ms $t_step) per step, $(ms $t_total) per image"
printf '%-44s %s\n' "PyTorch 1 thread, batch-2 guided step" "$(ms $t2_step) per step, $(ms $t2_total) per image"
printf '%-44s %s\n' "ratio edgeartist / PyTorch (2 forwards)" "$(ratio $step_us $t_step)"
printf '%-44s %s\n' "ratio edgeartist / PyTorch (batch-2)" "$(ratio $step_us $t2_step)"
echo
echo "edgeartist --generate \"$prompt\" --steps 20 --guidance 7.5 --seed 1 --stats (median of $REPEATS);"
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') float32, checkpoint $ckpt, best of 3;"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
