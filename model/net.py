"""The conditional U-Net (float, PyTorch) and the graph description shared with the exporter.

Every layer is: conv (3x3 pad 1 or 1x1, stride 1 or 2) on one input or on
concat(nearest-up-2x(a), b); then optionally FiLM (p * (1 + gamma) + beta, gamma/beta
from the condition); then optionally act() (a 256-entry table in the integer engine).
No normalisation and no residual adds: everything has an exact integer form.
"""
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from vocab import SLOTS, n_index

T = 1000            # diffusion timesteps
EMB = 16            # per-slot embedding width
TDIM = 32           # time embedding width (16 sin/cos pairs)
HID = 128           # condition MLP width
C0, C1, C2 = 16, 32, 64
A_MAX = 6.0         # activations are bounded so int8 ranges stay fixed across timesteps
# Classifier-free guidance only at GUIDE_T_MIN <= t < GUIDE_T_MAX (SPEC 4.4); elsewhere one
# forward. Guidance at the noisier steps extrapolates the mean images of the two branches:
# saturated, wrong colours and broken outlines follow. Guidance on the last steps (t < 100)
# multiplies the int8 error of the two branches where x0 is read off almost directly (integer
# vs float 24 dB at 7.5). [100, 200) is the 2 steps of 20 before those (model/REPORT.md).
GUIDE_T_MIN, GUIDE_T_MAX = 100, 200
# The clean-up forward after the last step (SPEC 4.4): the final image is read as x at
# t = CLEAN_T (scaled by sqrt(ab), no noise added) and replaced by the network's x0 there. The
# DDIM steps leave a pixel speckle on flat backgrounds (issue 21); one denoising forward from a
# noise level above the speckle's removes most of it, and leaves the outlines (model/REPORT.md).
CLEAN_T = 150
IN_CH = 5           # network input: x (3 channels) and the two coordinate planes
# Coordinate planes (SPEC 3), integer Q12 like x: plane 0 varies along x (columns), plane 1
# along y (rows), (2i - 31) * 128 for i = 0..31, i.e. -0.97..0.97. Without them the network
# can only tell where it is from the zero padding, a few pixels deep, and "left" or "top"
# has to be inferred through every layer; with them placement is one multiply away.
COORD_Q12 = (2 * np.arange(32) - 31) * 128
COORDS = np.stack([np.tile(COORD_Q12, (32, 1)), np.tile(COORD_Q12[:, None], (1, 32))])  # [2,32,32]


def act(y):
    """SiLU capped at A_MAX: without normalisation the pre-activations grow ~10x at small t;
    a bounded activation lets the integer engine saturate them without loss."""
    return torch.clamp(F.silu(y), max=A_MAX)

# name, inputs (tensor names; "up:" = nearest 2x upsampled), cin, cout, k, stride, film, act
# Tensor "x" is the input (x and the coordinate planes, IN_CH x 32 x 32); each layer's output
# tensor is named after the layer.
LAYERS = [
    ("in",  ["x"],               IN_CH,   C0, 3, 1, True,  True),   # 32x32
    ("d1",  ["in"],              C0,      C1, 3, 2, True,  True),   # 16x16
    ("e1",  ["d1"],              C1,      C1, 3, 1, True,  True),   # 16x16 (skip)
    ("d2",  ["e1"],              C1,      C2, 3, 2, True,  True),   # 8x8
    ("m1",  ["d2"],              C2,      C2, 3, 1, True,  True),   # 8x8
    ("p2",  ["m1"],              C2,      C1, 1, 1, False, True),   # 8x8
    ("u2",  ["up:p2", "e1"],     2 * C1,  C1, 3, 1, True,  True),   # 16x16
    ("p1",  ["u2"],              C1,      C0, 1, 1, False, True),   # 16x16
    ("u1",  ["up:p1", "in"],     2 * C0,  C0, 3, 1, True,  True),   # 32x32
    ("out", ["u1"],              C0,      3,  3, 1, False, False),  # 32x32, v
]
FILM_LAYERS = [l[0] for l in LAYERS if l[6]]
N_FILM = sum(2 * l[3] for l in LAYERS if l[6])  # gamma and beta per channel


def layer_shapes():
    """Spatial size of every tensor, from the graph."""
    hw = {"x": 32}
    for name, ins, cin, cout, k, st, film, act in LAYERS:
        src = ins[0]
        h = hw[src[3:]] * 2 if src.startswith("up:") else hw[src]
        hw[name] = h // st
    return hw


# --- time embedding: integer sine table, identical in float training and the engine ---
SIN256 = np.array([int(round(127 * math.sin(2 * math.pi * i / 256))) for i in range(256)], np.int32)
# phase step per timestep, in 1/65536 turns: 1/2000 turn .. ~1/8 turn per step
TFREQ = np.array([int(round(65536 * 2 ** (k * 8 / 15) / 2000)) for k in range(TDIM // 2)], np.int64)


def temb_int(t):
    """int8 time embedding of timestep t (0..T-1)."""
    ph = (t * TFREQ) >> 8
    out = np.empty(TDIM, np.int32)
    out[0::2] = SIN256[ph & 255]
    out[1::2] = SIN256[(ph + 64) & 255]
    return out


TEMB_TABLE = np.stack([temb_int(t) for t in range(T)]).astype(np.float32) / 127.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.ModuleList([nn.Embedding(n_index(s), EMB) for s in SLOTS])
        for e in self.emb:
            nn.init.normal_(e.weight, std=0.5)
        self.fc1 = nn.Linear(len(SLOTS) * EMB + TDIM, HID)
        self.film = nn.Linear(HID, N_FILM)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        self.convs = nn.ModuleDict()
        for name, ins, cin, cout, k, st, film, act in LAYERS:
            self.convs[name] = nn.Conv2d(cin, cout, k, st, k // 2)
        self.register_buffer("temb", torch.from_numpy(TEMB_TABLE))
        self.register_buffer("coords", torch.from_numpy(COORDS.astype(np.float32) / 4096.0)[None])

    def cond(self, slots, t):
        """slots: int64 [B, 5]; t: int64 [B] -> FiLM vector [B, N_FILM] and hidden [B, HID]."""
        e = [m(slots[:, i]) for i, m in enumerate(self.emb)] + [self.temb[t]]
        h = F.silu(self.fc1(torch.cat(e, 1)))
        return self.film(h), h

    def forward(self, x, slots, t, trace=None):
        gb, h = self.cond(slots, t)
        if trace is not None:
            trace["h"] = h
        ten = {"x": torch.cat([x, self.coords.expand(x.shape[0], -1, -1, -1)], 1)}
        off = 0
        for name, ins, cin, cout, k, st, film, use_act in LAYERS:
            parts = [F.interpolate(ten[s[3:]], scale_factor=2, mode="nearest")
                     if s.startswith("up:") else ten[s] for s in ins]
            y = self.convs[name](torch.cat(parts, 1) if len(parts) > 1 else parts[0])
            if trace is not None:
                trace[name + ".p"] = y
            if film:
                g = gb[:, off:off + cout, None, None]
                b = gb[:, off + cout:off + 2 * cout, None, None]
                off += 2 * cout
                y = y * (1 + g) + b
                if trace is not None:
                    trace[name + ".f"] = y
            if use_act:
                y = act(y)
            ten[name] = y
        return ten["out"]


def count_macs():
    hw = layer_shapes()
    macs = sum(hw[n] ** 2 * cout * cin * k * k for n, ins, cin, cout, k, st, f, a in LAYERS)
    cond = (len(SLOTS) * EMB + TDIM) * HID + HID * N_FILM
    return macs, cond


def peak_activation_bytes():
    """Peak bytes of live int8 layer outputs during one forward (upsampling is virtual:
    the engine reads the low-resolution tensor), plus the int16 v output."""
    hw = layer_shapes()
    size = {"x": IN_CH * 32 * 32}
    for n, ins, cin, cout, k, st, f, a in LAYERS:
        size[n] = cout * hw[n] ** 2 * (2 if n == "out" else 1)
    last_use = {}
    for i, (n, ins, *_r) in enumerate(LAYERS):
        for s in ins:
            last_use[s.replace("up:", "")] = i
    peak, live = 0, {"x"}
    for i, (n, ins, *_r) in enumerate(LAYERS):
        live.add(n)
        peak = max(peak, sum(size[s] for s in live))
        live = {s for s in live if last_use.get(s, -1) > i or s == "out"}
    return peak


if __name__ == "__main__":
    n = sum(p.numel() for p in Net().parameters())
    macs, cond = count_macs()
    print(f"params {n}  MACs/forward {macs} (+{cond} condition MLP, once per step and branch)"
          f"  peak activations {peak_activation_bytes()} bytes", file=sys.stdout)
