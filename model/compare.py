"""Integer reference vs float model on the same noise: PSNR of the final images.

Usage: /usr/bin/python3 model/compare.py [--n 50] [--steps 20] [--guidance 75] [--ckpt ...]
Writes model/out/compare.png (rows: float, integer) for a look. The integer images come from
model/intbatch.py (bit-identical to model/intref.py, tests/model/test_intbatch.py), the float
ones from the same sampler in float (model/sample_float.py) on the same initial noise.
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import intbatch  # noqa: E402
import intref  # noqa: E402
from sample_float import load_net, generate_float_batch, psnr  # noqa: E402
from scenes import random_slots  # noqa: E402


def prompt_of(s):
    return f"a {s['size']} {s['colour']} {s['shape']} on the {s['position']}, {s['background']} background"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "float.pt"))
    ap.add_argument("--data", default=intref.DEFAULT_C, help="generated C tables (model_data.c)")
    ap.add_argument("--batch", type=int, default=25)
    a = ap.parse_args()
    torch.set_num_threads(1)
    md, net = intref.load(a.data), load_net(a.ckpt)
    rng = np.random.default_rng(2024)
    prompts = [prompt_of(random_slots(rng, allow_held_out=True)) for _ in range(a.n)]
    seeds = [100000 + i for i in range(a.n)]
    fl, it = [], []
    for i in range(0, a.n, a.batch):
        sl = slice(i, i + a.batch)
        fl += list(generate_float_batch(net, prompts[sl], [""] * len(prompts[sl]), seeds[sl], a.steps, a.guidance))
        it += list(intbatch.generate_batch(md, prompts[sl], [""] * len(prompts[sl]), seeds[sl], a.steps, a.guidance))
    vals = [psnr(f, q) for f, q in zip(fl, it)]
    for i, p in enumerate(prompts):
        print(f"{i:3d} {vals[i]:5.1f} dB  {p}", file=sys.stderr)
    print(f"PSNR int vs float over {a.n} prompts ({a.steps} steps, guidance {a.guidance / 10}): "
          f"mean {np.mean(vals):.2f} dB, min {np.min(vals):.2f} dB")
    k = min(a.n, 16)
    grid = np.concatenate([np.concatenate(fl[:k], 1), np.concatenate(it[:k], 1)], 0)
    from PIL import Image
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)  # a fresh clone has no model/out
    Image.fromarray(grid).resize((grid.shape[1] * 4, grid.shape[0] * 4), Image.NEAREST).save(
        os.path.join(HERE, "out", "compare.png"))


if __name__ == "__main__":
    main()
