"""Trains the diffusion U-Net on rendered scenes (CPU, reproducible from --seed).

Usage: /usr/bin/python3 model/train.py --minutes 40 --out model/out
Writes <out>/ckpt.pt (EMA weights, used by the exporter), <out>/loss.png, <out>/loss.tsv.
"""
import argparse
import copy
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net import Net, T, EMB, TDIM  # noqa: E402
from scenes import dataset  # noqa: E402
from vocab import SLOTS, to_index  # noqa: E402

P_DROP_ALL = 0.15   # whole condition -> unconditional (classifier-free guidance)
# Each slot independently -> unspecified (partial prompts). Kept low: a dropped colour or
# background leaves a large irreducible error whose gradient noise hid the small loss difference
# an outline makes; at 0.3 the model ignored the shape slot (measured in model/REPORT.md).
P_DROP_SLOT = 0.1
# Where training spends its effort. The object's colour, shape and position are decided at
# high noise (at t >= 850 the condition halves the loss; below 400 it changes it by < 5 %).
# With plain v-MSE and uniform t the low-noise steps dominate: their v-loss is large and mostly
# irreducible (v ~ eps there, and the data's own pixel noise hides it), and their gradient noise
# drowned the rest: such a run had not learnt position after 3 000 steps, while the same network
# trained on t = 999 alone learns it in 200. So half of each batch is drawn from [T_HIGH, T), and
# the v-loss is weighted by min(1, 5 (1 - ab)): 1 down to SNR 4, then the x0 error times 5,
# which is what the image shows (x0 error = sqrt(1 - ab) x v error).
T_HIGH = 750
# Per-pixel weight towards the object: 1 + --obj-weight on the shape and 2 px around it (where
# one outline differs from another), then renormalised so every scene keeps the same total
# weight. With a flat weight a small shape (radius 4.8 px) is ~7 % of its image and the loss
# difference between its right and wrong outline is lost in the background's pixel noise.
OBJ_DILATE = 2
# Share of two-object scenes in the training pool (issue 21); the rest have one object.
P_TWO = 0.5


def schedule():
    """Cosine schedule (Nichol & Dhariwal, offset 0.008): alpha-bar per timestep t = 0..T-1
    (float64, also used by the exporter and the samplers). alpha-bar[T-1] is 0, so the first
    sampling step starts from pure noise, as the sampler does. The linear schedule this replaced
    was at near-pure noise (SNR < 0.03) from t = 600 on at 32x32, so 40 % of training saw almost
    no image; this one spreads the noise levels over the whole range."""
    f = np.cos((np.arange(1, T + 1, dtype=np.float64) / T + 0.008) / 1.008 * np.pi / 2) ** 2
    return np.clip(f / np.cos(0.008 / 1.008 * np.pi / 2) ** 2, 0.0, 1.0)


def v_target(x0, noise, abt):
    """The network predicts v = sqrt(ab) eps - sqrt(1 - ab) x0: both x0 and eps follow from it
    with factors at most 1, so an output error (quantisation included) is never amplified,
    unlike eps-prediction whose x0 divides by sqrt(ab) (x160 at the noisiest step)."""
    return abt.sqrt() * noise - (1 - abt).sqrt() * x0


def slot_array(slots):
    return np.array([[to_index(s, d[s]) for s in SLOTS] for d in slots], np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=40.0, help="wall-clock budget for the loop")
    ap.add_argument("--steps", type=int, default=0, help="train this many steps (0: for --minutes "
                    "of wall-clock time, which is not reproducible)")
    ap.add_argument("--stop-at", type=int, default=0, help="end at this step of the --steps schedule "
                    "(the run up to there is the same as the full one's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--pool", type=int, default=40000, help="rendered training scenes")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", choices=["bf16", "fp32"], default="bf16",
                    help="bf16: convolutions under bfloat16 autocast (weights, optimiser and loss stay "
                    "float32), ~1.3x the steps per minute of fp32 on this CPU (model/REPORT.md)")
    ap.add_argument("--obj-weight", type=float, default=10.0,
                    help="extra loss weight on the object and its outline (0: flat)")
    ap.add_argument("--p-two", type=float, default=P_TWO, help="share of two-object scenes")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    ap.add_argument("--init", default="", help="start from these EMA weights of an earlier model (model/"
                    "base.pt: the one-object model of issue 4); slots it did not have start at zero in "
                    "fc1, so the start behaves like that model (init_from)")
    ap.add_argument("--resume", default="", help="continue from this checkpoint (raw and EMA weights, "
                    "optimiser state if saved, loss history); the lr schedule restarts over the new budget")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    prev = torch.load(a.resume, map_location="cpu") if a.resume else None
    os.makedirs(a.out, exist_ok=True)

    t0 = time.time()
    imgs, slots, cov = dataset(a.pool, seed=1000 + a.seed, covers=True, p_two=a.p_two)
    x_all = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    near = torch.nn.functional.max_pool2d(torch.from_numpy(cov)[:, None], 2 * OBJ_DILATE + 1, 1, OBJ_DILATE)
    pw_all = 1.0 + a.obj_weight * near  # per-pixel loss weight [pool, 1, 32, 32]
    pw_all /= pw_all.mean(dim=(2, 3), keepdim=True)
    s_all = torch.from_numpy(slot_array(slots))
    print(f"rendered {a.pool} scenes in {time.time() - t0:.0f}s", file=sys.stderr)

    ab = torch.from_numpy(schedule()).float()
    # channels-last lets oneDNN run the convolutions without layout conversions (~10 % faster)
    net = Net().to(memory_format=torch.channels_last)
    ema = copy.deepcopy(net).requires_grad_(False)
    if a.init:
        init_from(net, torch.load(a.init, map_location="cpu")["ema"])
        ema.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    budget = a.minutes * 60.0
    losses, step, start, avg = [], 0, time.time(), None
    step0, prev_seconds = 0, 0.0
    if prev is not None:
        net.load_state_dict(prev["raw"])
        ema.load_state_dict(prev["ema"])
        if "opt" in prev:
            opt.load_state_dict(prev["opt"])
        step0 = step = prev["step"]
        prev_seconds = prev.get("seconds", 0.0)
        lt = os.path.join(os.path.dirname(a.resume), "loss.tsv")
        losses = list(np.loadtxt(lt)) if os.path.exists(lt) else []
        rng = np.random.default_rng([a.seed, step])  # fresh batches, not a replay of the first run
        print(f"resumed from {a.resume} at step {step} ({prev_seconds / 60:.1f} min)", file=sys.stderr)
    a.prev_seconds = prev_seconds
    while True:
        el = time.time() - start
        # a step count alone decides the schedule when given: reproducible from the seed
        frac = (step - step0) / a.steps if a.steps else el / budget
        if frac >= 1.0 or (a.stop_at and step >= a.stop_at):
            break
        lr = a.lr * min(1.0, (step + 1) / 200) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.from_numpy(rng.integers(0, a.pool, a.batch))
        x0, s = x_all[idx], s_all[idx].clone()
        keep = torch.from_numpy((rng.random((a.batch, len(SLOTS))) >= P_DROP_SLOT)
                                & (rng.random((a.batch, 1)) >= P_DROP_ALL))
        s = s * keep
        t = torch.from_numpy(np.where(rng.random(a.batch) < 0.5, rng.integers(0, T, a.batch),
                                      rng.integers(T_HIGH, T, a.batch)))
        noise = torch.from_numpy(rng.standard_normal(x0.shape).astype(np.float32))
        abt = ab[t][:, None, None, None]
        xt = (abt.sqrt() * x0 + (1 - abt).sqrt() * noise).contiguous(memory_format=torch.channels_last)
        w = torch.clamp(5 * (1 - abt), max=1.0) * pw_all[idx]
        with torch.cpu.amp.autocast(enabled=a.precision == "bf16", dtype=torch.bfloat16):
            v = net(xt, s, t)
        loss = (w * (v.float() - v_target(x0, noise, abt)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        d = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pn in zip(ema.parameters(), net.parameters()):
                pe.mul_(d).add_(pn, alpha=1 - d)
        step += 1
        lv = loss.item()
        avg = lv if avg is None else 0.98 * avg + 0.02 * lv
        losses.append(lv)
        if step % 20 == 0:
            eta = el / max(frac, 1e-9) - el
            print(f"\rstep {step} loss {avg:.4f} lr {lr:.2e} {el / 60:.1f} min, ~{eta / 60:.1f} min left  ",
                  end="", file=sys.stderr, flush=True)
        if step % 500 == 0:
            save(a, ema, net, opt, step, losses, time.time() - t0)
    save(a, ema, net, opt, step, losses, time.time() - t0)
    print(f"\ndone: {step} steps, {(time.time() - t0) / 60:.1f} min", file=sys.stderr)


def init_from(net, old):
    """Load an earlier model's weights whose condition had fewer slots (its first slots are
    this one's first): the embeddings it has, fc1's columns for them and for the time
    embedding; fc1's columns for the new slots are zero, so the new slots start unheard."""
    sd = net.state_dict()
    n_old = sum(1 for k in old if k.startswith("emb.") and k.endswith(".weight"))
    for k, v in old.items():
        if k == "fc1.weight":
            w = torch.zeros_like(sd[k])
            w[:, :n_old * EMB] = v[:, :n_old * EMB]
            w[:, -TDIM:] = v[:, -TDIM:]
            sd[k] = w
        else:
            assert sd[k].shape == v.shape, k
            sd[k] = v
    net.load_state_dict(sd)


def save(a, ema, net, opt, step, losses, seconds):
    seconds += a.prev_seconds
    def plain(m):  # contiguous (NCHW) tensors, as the exporter and the samplers expect
        return {k: v.contiguous() for k, v in m.state_dict().items()}
    torch.save({"ema": plain(ema), "raw": plain(net), "opt": opt.state_dict(), "step": step,
                "seed": a.seed, "batch": a.batch, "pool": a.pool, "seconds": seconds,
                "precision": a.precision, "init": a.init or None,
                "resumed_from": a.resume or None},
               os.path.join(a.out, "ckpt.pt.tmp"))
    os.replace(os.path.join(a.out, "ckpt.pt.tmp"), os.path.join(a.out, "ckpt.pt"))
    np.savetxt(os.path.join(a.out, "loss.tsv"), np.array(losses), fmt="%.5f")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    lo = np.array(losses)
    k = min(100, len(lo))
    sm = np.convolve(lo, np.ones(k) / k, mode="valid")
    plt.figure(figsize=(6, 4))
    plt.plot(lo, alpha=0.3, label="loss")
    plt.plot(np.arange(k - 1, len(lo)), sm, label=f"mean of {k}")
    plt.yscale("log")
    plt.xlabel("step")
    plt.ylabel("weighted v MSE")
    plt.title(f"training (seed {a.seed}, batch {a.batch}, {seconds / 60:.1f} min)")
    plt.legend()
    plt.tight_layout()
    plt.savefig(os.path.join(a.out, "loss.png"), dpi=80)
    plt.close()


if __name__ == "__main__":
    main()
