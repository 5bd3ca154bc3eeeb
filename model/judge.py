"""The judge: a small float classifier that reads a 32x32 RGB image and predicts its slots.

It is trained on renders of model/scenes.py (one and two objects, all colour/shape/background
combinations, including the ones held out of the generator's training: the judge must be able
to read them), with light augmentation (extra pixel noise, occasional mild blur) so that it
reads slightly soft generated images too. A quarter of the objects it learns from are broken
(a shape in pieces, with a wedge cut out, or a cluster of blobs: what a person would not call
that shape) and labelled "other", so that it does not accept them as the shape they came from.
Its accuracy is measured on clean and on broken renders from fresh seeds
(tests/model/test_judge.py). It is an evaluation tool only; nothing in the firmware uses it.

Usage:
  /usr/bin/python3 model/judge.py --train [--minutes 4] [--seed 1]   writes model/judge.pt
  /usr/bin/python3 model/judge.py --eval 2000 [--seed 9001]          accuracy on fresh renders
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scenes import _inside, random_slots, render_slots, SIZE, SS  # noqa: E402
from vocab import SLOTS, SLOT_VALUES  # noqa: E402

WEIGHTS = os.path.join(HERE, "judge.pt")
OTHER = "other"  # the judge's seventh shape: not one of the six (a broken shape)
# the judge's classes per slot; no "unspecified" class: a one-object scene has no second
# object and a two-object scene no position, and those slots are not read (see predict)
CLASSES = {s: list(SLOT_VALUES[s]) + ([OTHER] if s in ("shape", "shape2") else []) for s in SLOTS}
N_CLASSES = [len(CLASSES[s]) for s in SLOTS]
TRAIN_SEED_BASE = 5000   # training renders: renders(n, 5000 + seed); evaluation uses other seeds
P_TWO = 0.5              # share of two-object scenes the judge learns from and is measured on
P_BROKEN = 0.25          # share of broken objects in its training renders
BROKEN_KINDS = ("pieces", "wedge", "blobs")


def broken_inside(kind, rng):
    """A shape test (for scenes.render_slots) that breaks the shape it is given: "pieces" cuts
    it with one or two bands 0.3 radius wide, "wedge" removes a sector of 90-120 degrees
    around its centre (so at least one arm or point of a cross or star), "blobs" replaces it
    by 3-5 discs of radius 0.25-0.45."""
    if kind == "pieces":
        cuts = [(rng.uniform(0, np.pi), rng.uniform(-0.35, 0.35)) for _ in range(1 + rng.integers(2))]

        def inside(sh, u, v, _rng):
            m = _inside(sh, u, v)
            for a, d in cuts:
                m = m & (np.abs(u * np.cos(a) + v * np.sin(a) - d) > 0.15)
            return m
    elif kind == "wedge":
        a0, w = rng.uniform(0, 2 * np.pi), np.radians(rng.uniform(90, 120))

        def inside(sh, u, v, _rng):
            return _inside(sh, u, v) & (np.mod(np.arctan2(v, u) - a0, 2 * np.pi) > w)
    else:
        blobs = []
        for _ in range(3 + rng.integers(3)):
            r, a = rng.uniform(0.2, 0.8), rng.uniform(0, 2 * np.pi)
            blobs.append((r * np.cos(a), r * np.sin(a), rng.uniform(0.25, 0.45)))

        def inside(sh, u, v, _rng):
            m = np.zeros(u.shape, bool)
            for bx, by, br in blobs:
                m |= (u - bx) ** 2 + (v - by) ** 2 <= br * br
            return m
    return inside


def renders(n, seed, p_two=P_TWO, p_broken=0.0, allow_held_out=True):
    """n scenes for the judge, reproducible from seed: (uint8 images, slot dicts with a broken
    object's shape set to OTHER)."""
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, SIZE, SIZE, 3), np.uint8)
    slots = []
    for i in range(n):
        s = random_slots(rng, allow_held_out, two=rng.random() < p_two)
        objs = ["shape"] + (["shape2"] if s["relation"] != "single" else [])
        broken = {o: BROKEN_KINDS[rng.integers(3)] for o in objs if rng.random() < p_broken}
        ins = {o: broken_inside(k, rng) for o, k in broken.items()}
        order = iter(objs)

        def inside(sh, u, v, r, _o=order, _ins=ins):
            o = next(_o)
            return _ins[o](sh, u, v, r) if o in _ins else _inside(sh, u, v)
        imgs[i] = render_slots(s, rng, inside=inside)
        for o in broken:
            s[o] = OTHER
        slots.append(s)
    return imgs, slots


class Judge(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(4, 24, 3, 1, 1)     # 32x32
        self.c2 = nn.Conv2d(24, 32, 3, 2, 1)    # 16x16
        self.c3 = nn.Conv2d(32, 48, 3, 1, 1)    # 16x16
        self.c4 = nn.Conv2d(48, 64, 3, 2, 1)    # 8x8
        self.c5 = nn.Conv2d(64, 64, 3, 2, 1)    # 4x4
        self.fc = nn.Linear(64 * 16 + 64 + 6, 128)
        self.heads = nn.ModuleList([nn.Linear(128, n) for n in N_CLASSES])

    def forward(self, x):
        """x: float [B, 3, 32, 32] in [-1, 1] -> list of logits per slot."""
        # global colour statistics help colour/background (mean and max-deviation per channel)
        g = torch.cat([x.mean((2, 3)), x.amax((2, 3)) - x.amin((2, 3))], 1)
        h = F.relu(self.c1(torch.cat([x, silhouette(x)], 1)))
        h = F.relu(self.c2(h))
        h = F.relu(self.c3(h))
        h4 = F.relu(self.c4(h))
        h = F.relu(self.c5(h4))
        h = F.relu(self.fc(torch.cat([h.flatten(1), h4.amax((2, 3)), g], 1)))
        return [hd(h) for hd in self.heads]


def silhouette(x):
    """A colour-independent fourth input channel: distance of each pixel from the background
    colour (the median of the border pixels), scaled to [-1, 1] per image. Makes the shape
    heads' job independent of the colour pair."""
    border = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, 1:-1, 0], x[:, :, 1:-1, -1]], 2)
    bg = border.median(2).values[:, :, None, None]
    d = ((x - bg) ** 2).sum(1, keepdim=True).sqrt()
    return 2 * d / d.amax((2, 3), keepdim=True).clamp(min=0.05) - 1


def to_tensor(imgs):
    """uint8 NHWC -> float NCHW in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(imgs)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def labels(slots):
    """Class index per slot, -100 (not learnt) where the scene does not have the slot."""
    return torch.tensor([[CLASSES[s].index(d[s]) if d[s] is not None else -100 for s in SLOTS]
                         for d in slots])


def load_judge(path=WEIGHTS):
    j = Judge()
    j.load_state_dict(torch.load(path, map_location="cpu"))
    return j.eval()


@torch.no_grad()
def predict(judge, imgs, batch=500):
    """uint8 NHWC images -> list of slot dicts (names; a broken shape reads OTHER). The
    relation read decides which slots the scene has: a one-object reading has no second
    object, a two-object reading no position."""
    out = []
    for i in range(0, len(imgs), batch):
        logits = judge(to_tensor(imgs[i:i + batch]))
        idx = torch.stack([lg.argmax(1) for lg in logits], 1).numpy()
        for row in idx:
            d = {s: CLASSES[s][k] for s, k in zip(SLOTS, row)}
            for s in (("colour2", "shape2", "size2") if d["relation"] == "single" else ("position",)):
                d[s] = None
            out.append(d)
    return out


def accuracy(judge, n, seed, p_two=P_TWO, p_broken=0.0):
    """Per-slot accuracy on n fresh renders (all combinations) from seed, over the scenes that
    have the slot; with p_broken > 0 also "broken": the share of broken objects read as OTHER."""
    imgs, slots = renders(n, seed, p_two, p_broken)
    pred = predict(judge, imgs)
    acc = {s: float(np.mean([p[s] == t[s] for p, t in zip(pred, slots) if t[s] is not None]))
           for s in SLOTS if any(t[s] is not None for t in slots)}
    br = [p[o] == OTHER for p, t in zip(pred, slots) for o in ("shape", "shape2") if t[o] == OTHER]
    if br:
        acc["broken"] = float(np.mean(br))
    ok = [p[o] == t[o] for p, t in zip(pred, slots) for o in ("shape", "shape2")
          if t[o] is not None and t[o] != OTHER]
    if ok:
        acc["clean shapes"] = float(np.mean(ok))
    return acc


def augment(x, gen):
    """Light augmentation of a float batch: extra pixel noise; a mild 3x3 blur on some images."""
    b = x.shape[0]
    sigma = torch.rand(b, 1, 1, 1, generator=gen) * (6 / 127.5)
    x = x + sigma * torch.randn(x.shape, generator=gen)
    blur = (torch.rand(b, generator=gen) < 0.15)[:, None, None, None]
    k = torch.full((3, 1, 3, 3), 1 / 9)
    xb = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k, groups=3)
    return torch.where(blur, 0.7 * x + 0.3 * xb, x)


def train(minutes, seed, n, out, steps=0):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    imgs, slots = renders(n, TRAIN_SEED_BASE + seed, P_TWO, P_BROKEN)
    x_all, y_all = to_tensor(imgs), labels(slots)
    print(f"rendered {n} scenes in {time.time() - t0:.0f}s", file=sys.stderr)
    j = Judge()
    opt = torch.optim.Adam(j.parameters(), lr=2e-3)
    budget, start, step, avg = minutes * 60, time.time(), 0, None
    while (step < steps) if steps else (time.time() - start < budget):
        frac = step / steps if steps else (time.time() - start) / budget
        for g in opt.param_groups:
            g["lr"] = 2e-3 * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * frac)))
        idx = torch.randint(0, n, (64,), generator=gen)
        x, y = augment(x_all[idx], gen), y_all[idx]
        loss = sum(F.cross_entropy(lg, y[:, i], ignore_index=-100) for i, lg in enumerate(j(x))
                   if (y[:, i] >= 0).any())
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"\rjudge step {step} loss {avg:.4f} {(time.time() - start) / 60:.1f} min ",
                  end="", file=sys.stderr, flush=True)
    j.eval()
    torch.save(j.state_dict(), out)
    print(f"\njudge: {step} steps, {(time.time() - t0) / 60:.1f} min -> {out}", file=sys.stderr)
    return j


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--steps", type=int, default=0, help="train this many steps (reproducible) instead "
                    "of for --minutes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=30000, help="training renders")
    ap.add_argument("--eval", type=int, default=2000, help="fresh renders to evaluate on")
    ap.add_argument("--eval-seed", type=int, default=9001)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=WEIGHTS)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    j = train(a.minutes, a.seed, a.n, a.out, a.steps) if a.train else load_judge(a.out)
    for name, pb in (("clean", 0.0), ("broken", 1.0)):
        acc = accuracy(j, a.eval, a.eval_seed, P_TWO, pb)
        print("judge accuracy on %d fresh %s renders (seed %d, half with two objects): %s" % (
            a.eval, name, a.eval_seed, "  ".join(f"{s} {100 * v:.2f}%" for s, v in acc.items())))
    print("parameters", sum(p.numel() for p in j.parameters()))


if __name__ == "__main__":
    main()
