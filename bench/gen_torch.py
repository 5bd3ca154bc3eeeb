"""The float PyTorch model (model/net.py) on the same request as bench/gen_bench.sh, on one
thread, through the same DDIM sampler (model/sample_float.py). Prints one line of numbers.
Usage: /usr/bin/python3 bench/gen_torch.py PROMPT STEPS GUIDANCE_TENTHS SEED [REPEATS]"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "model"))
import torch  # noqa: E402

torch.set_num_threads(1)
from net import Net  # noqa: E402
from sample_float import generate_float, load_net  # noqa: E402


@torch.no_grad()
def guided_batched(net, prompt, seed, steps, g10):
    """The same sampler with both branches of a guided step in one batch-2 forward (how
    diffusers runs classifier-free guidance): PyTorch's best case on this request."""
    import numpy as np
    from intref import initial_noise, slot_indices
    from net import GUIDE_T_MIN, GUIDE_T_MAX
    from prompt import parse
    from sample_float import ddim_step, clean_up
    from train import schedule
    from vocab import SLOTS
    cu = torch.tensor([slot_indices(parse(prompt)[0]), [0] * len(SLOTS)])
    ab = schedule()
    x = torch.from_numpy(initial_noise(seed)[None].astype(np.float32) / 4096.0)
    ts = [999 - (i * 1000) // steps for i in range(steps)]
    for i, t in enumerate(ts):
        if g10 != 10 and GUIDE_T_MIN <= t < GUIDE_T_MAX:
            v2 = net(torch.cat([x, x]), cu, torch.tensor([t, t]))
            v = v2[1:] + g10 / 10.0 * (v2[:1] - v2[1:])
        else:  # batch 2 as well: PyTorch 1.13 sends 3x3 convolutions of batch 1 on this
            # size to its slow reference path (13 ms a forward here), batch 2 to oneDNN (4.5 ms)
            v = net(torch.cat([x, x]), cu[:1].expand(2, -1), torch.tensor([t, t]))[:1]
        x, _ = ddim_step(x, v, ab[t], ab[ts[i + 1]] if i + 1 < len(ts) else 1.0)
    return clean_up(net, torch.cat([x, x]), cu[:1].expand(2, -1))[:1]


def best_of(reps, fn):
    best = None
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best


def main():
    prompt, steps, g10, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    reps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    ckpt = next((p for p in (os.path.join(ROOT, "model", "float.pt"),
                             os.path.join(ROOT, "model", "out", "ckpt.pt"))
                 if os.path.exists(p)), None)
    net = load_net(ckpt) if ckpt else Net().eval()  # the time does not depend on the weights
    generate_float(net, prompt, "", seed, 2, g10)   # warm-up (oneDNN primitive caches)
    guided_batched(net, prompt, seed, 2, g10)
    t1 = best_of(reps, lambda: generate_float(net, prompt, "", seed, steps, g10))
    t2 = best_of(reps, lambda: guided_batched(net, prompt, seed, steps, g10))
    print(f"torch_total_us {int(t1 * 1e6)} torch_per_step_us {int(t1 * 1e6 / steps)} "
          f"torch_b2_total_us {int(t2 * 1e6)} torch_b2_per_step_us {int(t2 * 1e6 / steps)} "
          f"threads {torch.get_num_threads()} "
          f"ckpt {os.path.relpath(ckpt, ROOT) if ckpt else 'none(random-init)'}")


if __name__ == "__main__":
    main()
