"""Prompt adherence: the judge reads images made by the float model and by the integer
reference and compares its slots with the prompt's, per slot, seen vs held-out combinations.

One-object prompts name all five slots of their object and scene; two-object prompts name
both objects' colour, shape and size, the relation and the background. "held-out" prompts
carry a colour x shape or colour x background combination of vocab.HELD_OUT_* (never shown in
training) for some object; "seen" prompts carry none. Seeds 300000 + i (one object) and
310000 + i (two) (initial noise of the sampler; training draws its noise elsewhere). The
judge's relation must be the prompt's too (one object read as one object). Background noise
(model/bgnoise.py) is measured on the same images. The integer images come from
model/intbatch.py (bit-identical to model/intref.py).

Usage: /usr/bin/python3 model/adherence.py [--n 200] [--n2 200] [--steps 20] [--guidance 75]
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
from bgnoise import background_clean_many  # noqa: E402
from judge import load_judge, predict  # noqa: E402
from sample_float import load_net, generate_float_batch  # noqa: E402
from scenes import random_slots  # noqa: E402
from vocab import (COLOURS, SHAPES, SIZES, POSITIONS, SLOTS, HELD_OUT_COLOUR_SHAPE,  # noqa: E402
                   HELD_OUT_COLOUR_BACKGROUND, is_held_out, slots_held_out)

SEED0 = 300000
SEED2 = 310000  # two-object prompts
SCORED = {1: ["colour", "shape", "size", "position", "background", "relation"],
          2: ["colour", "shape", "size", "colour2", "shape2", "size2", "background", "relation"]}
# two-object wordings: (relation, words, whether the words name the second (right / bottom)
# object first)
RELATION_WORDS = [("beside", "left of", False), ("beside", "right of", True), ("beside", "and", False),
                  ("above", "above", False), ("above", "below", True)]


def prompt_of(s, k=0):
    """The prompt text of a full slot dict; k picks the wording of a two-object relation."""
    if s["relation"] == "single":
        return f"a {s['size']} {s['colour']} {s['shape']} on the {s['position']}, {s['background']} background"
    words = [w for w in RELATION_WORDS if w[0] == s["relation"]]
    _, rel, swap = words[k % len(words)]
    a = f"{s['size']} {s['colour']} {s['shape']}"
    b = f"{s['size2']} {s['colour2']} {s['shape2']}"
    if swap:
        a, b = b, a
    return f"a {a} {rel} a {b}, {s['background']} background"


def prompt_set(n, seed=31337, held_frac=0.3):
    """n full slot dicts: round(n * held_frac) with a held-out combination, the rest seen."""
    rng = np.random.default_rng(seed)
    n_held = int(round(n * held_frac))
    out = []
    for i in range(n_held):
        pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
        s = dict.fromkeys(SLOTS)
        s.update(size=pick(SIZES), position=pick(POSITIONS), relation="single")
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


def prompt_set2(n, seed=4242, held_frac=0.3):
    """n full two-object slot dicts, round(n * held_frac) of them with a held-out combination
    for one of the objects, the rest seen."""
    rng = np.random.default_rng(seed)
    n_held = int(round(n * held_frac))
    out = []
    while len(out) < n:
        s = random_slots(rng, allow_held_out=len(out) < n_held, two=True)
        if (len(out) < n_held) == slots_held_out(s):
            out.append(s)
    return out


def score(pred, slots, scored):
    """per-slot hit arrays (bool [n]) plus 'all'."""
    hits = {s: np.array([p[s] == t[s] for p, t in zip(pred, slots)]) for s in scored}
    hits["all"] = np.all([hits[s] for s in scored], axis=0)
    return hits


def table(results, held, scored):
    cols = scored + ["all"]
    lines = ["| images | prompts | n | " + " | ".join(cols) + " |",
             "| --- | --- | ---: | " + " | ".join("---:" for _ in cols) + " |"]
    for name, hits in results.items():
        for split, mask in (("seen", ~held), ("held-out", held), ("all", np.ones_like(held))):
            lines.append(f"| {name} | {split} | {int(mask.sum())} | "
                         + " | ".join(f"{100 * hits[c][mask].mean():.1f}" for c in cols) + " |")
    return "\n".join(lines)


def measure(ckpt, n=200, steps=20, g10=75, batch=50, log=False, objects=1):
    """Generate the n prompts (of one or two objects) with the float model and the integer
    reference and let the judge read both: (prompts, held mask, float images, integer images,
    {"float"|"integer": hits}, slot dicts); hits also has "bg", the background-noise share
    of each image (model/bgnoise.py)."""
    slots = prompt_set(n) if objects == 1 else prompt_set2(n)
    prompts = [prompt_of(s, i) for i, s in enumerate(slots)]
    seeds = [(SEED0 if objects == 1 else SEED2) + i for i in range(n)]
    held = np.array([slots_held_out(s) for s in slots])
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
    results = {}
    for name, imgs in (("float", fl), ("integer", it)):
        results[name] = score(predict(judge, imgs), slots, SCORED[objects])
        results[name]["bg"] = background_clean_many(imgs, slots)
    return prompts, held, fl, it, results, slots


def report(a, objects, n):
    """Markdown for one measurement: the per-slot table, integer minus float, small and large
    shapes, background noise and PSNR."""
    prompts, held, fl, it, results, slots = measure(a.ckpt, n, a.steps, a.guidance, a.batch, True, objects)
    scored = SCORED[objects]
    mse = np.mean((fl.astype(np.float64) - it.astype(np.float64)) ** 2, axis=(1, 2, 3))
    ps = np.where(mse == 0, 99.0, 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-12)))
    seed0 = SEED0 if objects == 1 else SEED2
    what = "one object, naming all five slots" if objects == 1 else \
        "two objects, naming both objects' colour, shape and size, the relation and the background"
    head = (f"**{n} prompts of {what}** ({int(held.sum())} with a held-out combination), seeds "
            f"{seed0}..{seed0 + n - 1}, {a.steps} DDIM steps, guidance {a.guidance / 10}, empty negative "
            f"prompt. Per-slot accuracy in % (relation: the judge reads as many objects as asked, placed "
            f"as asked; all: every column right).")
    diff = {s: 100 * (results["integer"][s].mean() - results["float"][s].mean()) for s in scored + ["all"]}
    lines = [head, "", table(results, held, scored), "",
             "integer minus float (all prompts, points): " + ", ".join(f"{s} {v:+.1f}" for s, v in diff.items())]
    for name in ("float", "integer"):
        r = results[name]
        sizes = [("small", "large")] if objects == 1 else []
        by = "; ".join(f"{z} shapes {100 * r['shape'][[x['size'] == z for x in slots]].mean():.1f} %"
                       for z in ("small", "large")) if sizes else \
            f"first shape {100 * r['shape'].mean():.1f} %, second {100 * r['shape2'].mean():.1f} %"
        lines.append(f"{name}: {by}; background within ±8 levels: mean {100 * r['bg'].mean():.1f} % of "
                     f"the background pixels (worst image {100 * r['bg'].min():.1f} %, images at ≥ 90 %: "
                     f"{100 * (r['bg'] >= 0.9).mean():.1f} %)")
    lines.append(f"PSNR integer vs float on these images: mean {ps.mean():.2f} dB, min {ps.min():.2f} dB")
    return "\n".join(lines) + "\n", fl, it, held, prompts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="one-object prompts")
    ap.add_argument("--n2", type=int, default=200, help="two-object prompts")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75, help="tenths")
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out", "adherence.md"))
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    parts, arrays = [], {}
    for objects, n in ((1, a.n), (2, a.n2)):
        if n > 0:
            text, fl, it, held, prompts = report(a, objects, n)
            parts.append(text)
            arrays.update({f"float{objects}": fl, f"integer{objects}": it, f"held{objects}": held,
                           f"prompts{objects}": np.array(prompts)})
    text = (f"Prompt adherence read by the judge (model/judge.py). Checkpoint "
            f"{os.path.relpath(a.ckpt, os.path.dirname(HERE))}; integer images from app/gen/model_data.c "
            f"via model/intbatch.py (= model/intref.py).\n\n" + "\n".join(parts)
            + f"\n({time.time() - t0:.0f} s)\n")
    print(text)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    np.savez_compressed(os.path.splitext(a.out)[0] + ".npz", **arrays)


if __name__ == "__main__":
    main()
