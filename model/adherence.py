"""Prompt adherence: the judge reads images made by the float model and by the integer
reference and compares its slots with the prompt's, per slot, seen vs held-out combinations.

The prompts name all five slots. "held-out" prompts carry a colour x shape or colour x
background combination of vocab.HELD_OUT_* (never shown in training); "seen" prompts carry
none. Seeds 300000 + i (initial noise of the sampler; training draws its noise elsewhere).
The integer images come from model/intbatch.py (bit-identical to model/intref.py).

Usage: /usr/bin/python3 model/adherence.py [--n 200] [--steps 20] [--guidance 75]
           [--ckpt model/out/ckpt.pt] [--out model/out/adherence.md]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import intbatch  # noqa: E402
import intref  # noqa: E402
from judge import load_judge, predict  # noqa: E402
from sample_float import load_net, generate_float_batch  # noqa: E402
from scenes import random_slots  # noqa: E402
from vocab import (COLOURS, SHAPES, SIZES, POSITIONS, SLOTS, HELD_OUT_COLOUR_SHAPE,  # noqa: E402
                   HELD_OUT_COLOUR_BACKGROUND, is_held_out)

SEED0 = 300000


def prompt_of(s):
    return f"a {s['size']} {s['colour']} {s['shape']} on the {s['position']}, {s['background']} background"


def prompt_set(n, seed=31337, held_frac=0.3):
    """n full slot dicts: round(n * held_frac) with a held-out combination, the rest seen."""
    rng = np.random.default_rng(seed)
    n_held = int(round(n * held_frac))
    out = []
    for i in range(n_held):
        pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
        s = {"size": pick(SIZES), "position": pick(POSITIONS)}
        if i % 5 < 3:
            s["colour"], s["shape"] = HELD_OUT_COLOUR_SHAPE[(i // 5 * 3 + i % 5) % len(HELD_OUT_COLOUR_SHAPE)]
            s["background"] = pick([c for c in COLOURS if c != s["colour"]])
        else:
            s["colour"], s["background"] = HELD_OUT_COLOUR_BACKGROUND[(i // 5 * 2 + i % 5 - 3)
                                                                      % len(HELD_OUT_COLOUR_BACKGROUND)]
            s["shape"] = pick(SHAPES)
        assert is_held_out(s["colour"], s["shape"], s["background"])
        out.append(s)
    while len(out) < n:
        out.append(random_slots(rng, allow_held_out=False))
    return out


def score(pred, slots):
    """per-slot hit arrays (bool [n]) plus 'all'."""
    hits = {s: np.array([p[s] == t[s] for p, t in zip(pred, slots)]) for s in SLOTS}
    hits["all"] = np.all([hits[s] for s in SLOTS], axis=0)
    return hits


def table(results, held):
    cols = SLOTS + ["all"]
    lines = ["| images | prompts | n | " + " | ".join(c if c != "all" else "all five" for c in cols) + " |",
             "| --- | --- | ---: | " + " | ".join("---:" for _ in cols) + " |"]
    for name, hits in results.items():
        for split, mask in (("seen", ~held), ("held-out", held), ("all", np.ones_like(held))):
            lines.append(f"| {name} | {split} | {int(mask.sum())} | "
                         + " | ".join(f"{100 * hits[c][mask].mean():.1f}" for c in cols) + " |")
    return "\n".join(lines)


def measure(ckpt, n=200, steps=20, g10=75, batch=50, log=False):
    """Generate the n prompts with the float model and the integer reference and let the judge
    read both: (prompts, held mask, float images, integer images, {"float"|"integer": hits})."""
    slots = prompt_set(n)
    prompts = [prompt_of(s) for s in slots]
    seeds = [SEED0 + i for i in range(n)]
    held = np.array([is_held_out(s["colour"], s["shape"], s["background"]) for s in slots])
    net, md, judge = load_net(ckpt), intref.load(), load_judge()
    t0 = time.time()
    fl, it = [], []
    for i in range(0, n, batch):
        sl = slice(i, i + batch)
        fl.append(generate_float_batch(net, prompts[sl], [""] * len(prompts[sl]), seeds[sl], steps, g10))
        it.append(intbatch.generate_batch(md, prompts[sl], [""] * len(prompts[sl]), seeds[sl], steps, g10))
        if log:
            print(f"\r{min(i + batch, n)}/{n} prompts, {time.time() - t0:.0f}s", end="", file=sys.stderr)
    if log:
        print(file=sys.stderr)
    fl, it = np.concatenate(fl), np.concatenate(it)
    results = {"float": score(predict(judge, fl), slots), "integer": score(predict(judge, it), slots)}
    return prompts, held, fl, it, results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75, help="tenths")
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "adherence.md"))
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    prompts, held, fl, it, results = measure(a.ckpt, a.n, a.steps, a.guidance, a.batch, log=True)
    mse = np.mean((fl.astype(np.float64) - it.astype(np.float64)) ** 2, axis=(1, 2, 3))
    ps = np.where(mse == 0, 99.0, 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-12)))
    head = (f"Prompt adherence read by the judge (model/judge.py): {a.n} prompts naming all five slots "
            f"({int(held.sum())} with a held-out combination), seeds {SEED0}..{SEED0 + a.n - 1}, "
            f"{a.steps} DDIM steps, guidance {a.guidance / 10}, empty negative prompt. "
            f"Per-slot accuracy in %. Checkpoint {os.path.relpath(a.ckpt, os.path.dirname(HERE))}; "
            f"integer images from app/gen/model_data.c via model/intbatch.py (= model/intref.py).")
    tab = table(results, held)
    diff = {s: 100 * (results["integer"][s].mean() - results["float"][s].mean()) for s in SLOTS}
    tail = ("integer minus float (all prompts, points): "
            + ", ".join(f"{s} {v:+.1f}" for s, v in diff.items())
            + f"\nPSNR integer vs float on these images: mean {ps.mean():.2f} dB, min {ps.min():.2f} dB"
            + f"\n({time.time() - t0:.0f} s)")
    text = head + "\n\n" + tab + "\n\n" + tail + "\n"
    print(text)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    np.savez_compressed(os.path.splitext(a.out)[0] + ".npz", float=fl, integer=it, held=held,
                        prompts=np.array(prompts))


if __name__ == "__main__":
    main()
