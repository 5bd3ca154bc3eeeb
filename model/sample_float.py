"""The float model run through the same sampler as the integer reference (for PSNR and
adherence comparisons): same initial noise, timesteps, guidance and x0 clipping."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from intref import initial_noise, slot_indices  # noqa: E402
from net import Net, T, GUIDE_T_MIN, GUIDE_T_MAX, CLEAN_T  # noqa: E402
from prompt import parse  # noqa: E402
from train import schedule  # noqa: E402
from vocab import SLOTS  # noqa: E402


def ddim_step(x, v, ab_t, ab_next):
    """One DDIM step from the predicted v (float form of SPEC 4.4): x0 (clipped to the image
    range; the preview) and eps follow from v, then x is re-noised to ab_next. Returns (x, x0)."""
    a, b = np.sqrt(ab_t), np.sqrt(1 - ab_t)
    x0 = (a * x - b * v).clamp(-1, 1)
    eps = b * x + a * v
    return np.sqrt(ab_next) * x0 + np.sqrt(1 - ab_next) * eps, x0


def clean_up(net, x, c, clean_t=CLEAN_T):
    """The clean-up forward after the last step (float form of SPEC 4.4): x is read as the
    noise-free x_t at clean_t and replaced by the network's x0 there."""
    if clean_t is None:
        return x
    ab = schedule()[clean_t]
    a, b = np.sqrt(ab), np.sqrt(1 - ab)
    xc = a * x
    v = net(xc, c, torch.full((x.shape[0],), clean_t))
    return (a * xc - b * v).clamp(-1, 1)


def load_net(ckpt):
    net = Net()
    net.load_state_dict(torch.load(ckpt, map_location="cpu")["ema"])
    return net.eval()


@torch.no_grad()
def generate_float(net, prompt, negative, seed, steps, g10, guide=(GUIDE_T_MIN, GUIDE_T_MAX),
                   clean_t=CLEAN_T):
    c = torch.tensor([slot_indices(parse(prompt)[0])])
    u = torch.tensor([slot_indices(parse(negative)[0]) if negative else [0] * len(SLOTS)])
    ab = schedule()
    x = torch.from_numpy(initial_noise(seed)[None].astype(np.float32) / 4096.0)
    ts = [T - 1 - (i * T) // steps for i in range(steps)]
    g = g10 / 10.0
    for i, t in enumerate(ts):
        tt = torch.tensor([t])
        v = net(x, c, tt)
        if g10 != 10 and guide[0] <= t < guide[1]:
            vu = net(x, u, tt)
            v = vu + g * (v - vu)
        x, _ = ddim_step(x, v, ab[t], ab[ts[i + 1]] if i + 1 < len(ts) else 1.0)
    x = clean_up(net, x, c, clean_t)
    px = ((x[0].permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255)
    return px.astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


@torch.no_grad()
def generate_float_batch(net, prompts, negatives, seeds, steps, g10, guide=(GUIDE_T_MIN, GUIDE_T_MAX),
                         clean_t=CLEAN_T):
    """generate_float for many requests at once (same steps and guidance) -> uint8 [B, 32, 32, 3]."""
    c = torch.tensor([slot_indices(parse(p)[0]) for p in prompts])
    u = torch.tensor([slot_indices(parse(n)[0]) if n else [0] * len(SLOTS) for n in negatives])
    ab = schedule()
    x = torch.from_numpy(np.stack([initial_noise(s) for s in seeds]).astype(np.float32) / 4096.0)
    ts = [T - 1 - (i * T) // steps for i in range(steps)]
    g = g10 / 10.0
    for i, t in enumerate(ts):
        tt = torch.full((len(prompts),), t)
        v = net(x, c, tt)
        if g10 != 10 and guide[0] <= t < guide[1]:
            vu = net(x, u, tt)
            v = vu + g * (v - vu)
        x, _ = ddim_step(x, v, ab[t], ab[ts[i + 1]] if i + 1 < len(ts) else 1.0)
    x = clean_up(net, x, c, clean_t)
    px = ((x.permute(0, 2, 3, 1).numpy() + 1) * 127.5).round().clip(0, 255)
    return px.astype(np.uint8)
