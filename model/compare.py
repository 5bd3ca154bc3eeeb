"""Integer reference vs float model on the same noise: PSNR of the final images.

Usage: /usr/bin/python3 model/compare.py [--n 50] [--steps 20] [--guidance 75] [--ckpt ...]
Writes <ckpt dir>/compare.png (rows: float, integer) for a look.
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import intref  # noqa: E402
from sample_float import load_net, generate_float, psnr  # noqa: E402
from scenes import random_slots  # noqa: E402


def prompt_of(s):
    return f"a {s['size']} {s['colour']} {s['shape']} on the {s['position']}, {s['background']} background"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    md, net = intref.load(), load_net(a.ckpt)
    rng = np.random.default_rng(2024)
    vals, fl, it = [], [], []
    for i in range(a.n):
        p = prompt_of(random_slots(rng, allow_held_out=True))
        seed = 100000 + i
        f = generate_float(net, p, "", seed, a.steps, a.guidance)
        q, _ = intref.generate(md, p, "", seed, a.steps, a.guidance)
        vals.append(psnr(f, q))
        fl.append(f)
        it.append(q)
        print(f"{i:3d} {vals[-1]:5.1f} dB  {p}", file=sys.stderr)
    print(f"PSNR int vs float over {a.n} prompts ({a.steps} steps, guidance {a.guidance / 10}): "
          f"mean {np.mean(vals):.2f} dB, min {np.min(vals):.2f} dB")
    k = min(a.n, 16)
    grid = np.concatenate([np.concatenate(fl[:k], 1), np.concatenate(it[:k], 1)], 0)
    from PIL import Image
    Image.fromarray(grid).resize((grid.shape[1] * 4, grid.shape[0] * 4), Image.NEAREST).save(
        os.path.join(os.path.dirname(a.ckpt), "compare.png"))


if __name__ == "__main__":
    main()
