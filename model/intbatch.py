"""The integer reference, batched over prompts: same results as model/intref.py, bit for bit.

model/intref.py is the readable specification and runs one request at a time in numpy
int64 (slow: numpy's integer matmul has no BLAS). This module runs many requests at once
and forms the convolution sums with float64 BLAS (torch.conv2d in float64). That is exact:
every product and every partial sum is an integer below 2^53 (|w| <= 127, |a| <= 32767,
at most 576 terms, plus the bias: < 2^32), so float64 represents all of them exactly and
the order of summation cannot change the result. Everything else is int64 as in intref.
tests/model/test_intbatch.py checks it against the golden vectors and against intref.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import intref  # noqa: E402
from intref import I64, sat, rq, initial_noise, slot_indices, to_pixels  # noqa: E402
from prompt import parse  # noqa: E402
from vocab import SLOTS  # noqa: E402


def prepare(md):
    """Per-layer float64 weights and per-channel constants, computed once."""
    if "_batch" in md:
        return md["_batch"]
    F_ = md["F"]
    layers = []
    for L in md["layers"]:
        cin, cout, k = L[F_["cin"]], L[F_["cout"]], L[F_["k"]]
        w = md["md_conv_w"][L[F_["w_off"]]:][:cout * cin * k * k].reshape(cout, cin, k, k)
        ch = slice(L[F_["ch_off"]], L[F_["ch_off"]] + cout)
        c4 = lambda v: v[ch][None, :, None, None]  # noqa: E731
        layers.append({"w": torch.from_numpy(w.astype(np.float64)), "k": int(k),
                       "stride": int(L[F_["stride"]]), "b": c4(md["md_conv_b"]),
                       "m": c4(md["md_conv_m"]), "s": c4(md["md_conv_s"]),
                       "src0": L[F_["src0"]], "up0": L[F_["up0"]], "src1": L[F_["src1"]],
                       "up1": L[F_["up1"]], "cout": int(cout), "film": L[F_["film_off"]],
                       "lut": L[F_["lut"]], "bits": 16 if L[F_["out16"]] else 8})
    md["_batch"] = layers
    return layers


def cond_batch(md, slots, ts):
    """slots int [B, MD_NSLOTS], ts int [B] -> gb int64 [B, NFILM] (as intref.cond, row by row)."""
    E = md["MD_EMB"]
    rows = []
    for sl, t in zip(slots, ts):
        parts = [md["md_emb"][md["md_emb_off"][i] + sl[i] * E:][:E] for i in range(len(SLOTS))]
        rows.append(np.concatenate(parts + [intref.temb(md, t)]))
    e = np.stack(rows)                                                   # [B, MD_COND_IN]
    acc = md["md_fc1_b"][None] + e @ md["md_fc1_w"].reshape(-1, e.shape[1]).T
    h = md["md_fc1_lut"][sat(rq(acc, md["md_fc1_m"][None], md["md_fc1_s"][None]), 8) + 128]
    acc = md["md_film_b"][None] + h @ md["md_film_w"].reshape(-1, h.shape[1]).T
    return sat(rq(acc, md["md_film_m"][None], md["md_film_s"][None]), 32)


def up2(a):
    return a.repeat(2, axis=2).repeat(2, axis=3)


def forward_batch(md, x, slots, t):
    """x int64 [B, 3, 32, 32] (Q12), slots [B, MD_NSLOTS], t int (same for all) -> v int64 [B, 3, 32, 32]."""
    layers = prepare(md)
    gb = cond_batch(md, slots, [t] * len(slots))
    tens = [intref.net_input(md, x)]
    for L in layers:
        a = tens[L["src0"]]
        a = up2(a) if L["up0"] else a
        if L["src1"] >= 0:
            b = tens[L["src1"]]
            a = np.concatenate([a, up2(b) if L["up1"] else b], axis=1)
        accf = F.conv2d(torch.from_numpy(a.astype(np.float64)), L["w"], stride=L["stride"],
                        padding=L["k"] // 2)
        acc = torch.round(accf).numpy().astype(I64) + L["b"]
        y = sat(rq(acc, L["m"], L["s"]), L["bits"])
        fo, c = L["film"], L["cout"]
        if fo >= 0:
            G = gb[:, fo:fo + c][:, :, None, None]
            B = gb[:, fo + c:fo + 2 * c][:, :, None, None]
            y = sat((y * G + B + (1 << 19)) >> 20, 8)
        if L["lut"] >= 0:
            y = md["md_luts"][L["lut"] * 256 + y + 128]
        tens.append(y)
    return tens[-1]


def generate_batch(md, prompts, negatives, seeds, steps, g10, x_init=None):
    """Many requests with the same steps and guidance. Returns uint8 [B, 32, 32, 3]
    (identical to intref.generate for each request)."""
    assert 10 <= g10 <= 200
    c = np.array([slot_indices(parse(p)[0]) for p in prompts], I64)
    u = np.array([slot_indices(parse(n)[0]) if n else [0] * len(SLOTS) for n in negatives], I64)
    x = np.stack([initial_noise(s) for s in seeds]) if x_init is None else x_init
    ts = intref.timesteps(md, steps)
    for i, t in enumerate(ts):
        v = forward_batch(md, x, c, t)
        if g10 != 10 and intref.guided(md, t):
            v = intref.guide(v, forward_batch(md, x, u, t), g10)
        x, _ = intref.step(md, x, v, t, ts[i + 1] if i + 1 < len(ts) else -1)
    x = intref.clean_up(md, x, lambda xc, tc: forward_batch(md, xc, c, tc))
    return np.stack([to_pixels(xi) for xi in x])
