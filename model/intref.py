"""The integer reference: the specification of the C engine (app/gen), integers only.

It reads its tables from the generated app/gen/model_data.c so that the reference and
the engine use the same bytes. All arithmetic is on numpy int64 arrays holding values
that fit the C types named in the comments; `>>` is an arithmetic (flooring) shift.
Usage: /usr/bin/python3 model/intref.py "a red circle" --seed 1 --steps 20 --guidance 75 --out x.png
"""
import argparse
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from prompt import parse  # noqa: E402
from vocab import SLOTS, to_index  # noqa: E402

DEFAULT_C = os.path.join(os.path.dirname(HERE), "app", "gen", "model_data.c")
I64 = np.int64


# ---------------------------------------------------------------- model data
def load(path=DEFAULT_C):
    """Parse every `const intN_t name[n] = {...};` of the generated C into int64 arrays."""
    text = open(path).read()
    md = {}
    for m in re.finditer(r"const int(8|16|32)_t (\w+)\[(\d+)\] = \{([^}]*)\};", text):
        vals = np.array([int(v) for v in m.group(4).split(",") if v.strip()], I64)
        assert vals.size == int(m.group(3)), m.group(2)
        md[m.group(2)] = vals
    hdr = open(path[:-1] + "h").read()
    for m in re.finditer(r"#define (MD_\w+) (-?\d+)", hdr):
        md[m.group(1)] = int(m.group(2))
    md["layers"] = md["md_layers"].reshape(md["MD_NLAYERS"], md["MD_LAYER_FIELDS"])
    md["F"] = {k[5:].lower(): v for k, v in md.items() if k.startswith("MD_L_")}
    return md


# ---------------------------------------------------------------- primitives
def sat(v, bits):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(v, lo, hi)


def rq(acc, m, s):
    """Requantise: round(acc * m / 2^s), ties towards +inf. acc int32, m int32, s in 1..62;
    the product is formed in int64."""
    return (acc * m + (I64(1) << (s - 1))) >> s


def fnv1a(arr, nbytes):
    """FNV-1a 32 over the little-endian bytes of arr (each element nbytes wide)."""
    b = np.asarray(arr, I64).astype({1: "<i1", 2: "<i2", 4: "<i4"}[nbytes]).tobytes()
    h = 0x811C9DC5
    for x in b:
        h = ((h ^ x) * 0x01000193) & 0xFFFFFFFF
    return h


# ---------------------------------------------------------------- condition
def temb(md, t):
    """int8[TDIM]: pairs (sin, cos) of phase (t * tfreq[k]) >> 8 in 1/256 turns."""
    ph = (I64(t) * md["md_tfreq"]) >> 8
    out = np.empty(md["MD_TDIM"], I64)
    out[0::2] = md["md_sin256"][ph & 255]
    out[1::2] = md["md_sin256"][(ph + 64) & 255]
    return out


def cond(md, slots, t, trace=None):
    """slots: MD_NSLOTS slot indices (0 = unspecified). Returns the FiLM vector (int32[NFILM])."""
    E = md["MD_EMB"]
    parts = [md["md_emb"][md["md_emb_off"][i] + slots[i] * E:][:E] for i in range(len(SLOTS))]
    e = np.concatenate(parts + [temb(md, t)])                     # int8[COND_IN]
    n_in = e.size
    acc = md["md_fc1_b"] + md["md_fc1_w"].reshape(-1, n_in) @ e  # int32[HID]
    h = md["md_fc1_lut"][sat(rq(acc, md["md_fc1_m"], md["md_fc1_s"]), 8) + 128]  # int8[HID]
    acc = md["md_film_b"] + md["md_film_w"].reshape(-1, h.size) @ h
    gb = sat(rq(acc, md["md_film_m"], md["md_film_s"]), 32)      # int32[NFILM]
    if trace is not None:
        trace["cond.e"] = fnv1a(e, 1)
        trace["cond.h"] = fnv1a(h, 1)
        trace["cond.gb"] = fnv1a(gb, 4)
    return gb


# ---------------------------------------------------------------- network
def upsample2(a):
    """Nearest 2x: out[c][y][x] = a[c][y >> 1][x >> 1]."""
    return a.repeat(2, axis=1).repeat(2, axis=2)


def conv(x, w, k, stride, hw_out):
    """acc[co][y][x] = sum_ci,ky,kx w[co][ci][ky][kx] * x[ci][y*stride+ky-k//2][x*stride+kx-k//2]
    with zeros outside the input. x int8 CHW, w int8 [cout][cin][k][k]; returns int32 sums."""
    cin = x.shape[0]
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    cols = np.empty((cin, k, k, hw_out, hw_out), I64)
    for ky in range(k):
        for kx in range(k):
            cols[:, ky, kx] = xp[:, ky:ky + stride * hw_out:stride, kx:kx + stride * hw_out:stride]
    return (w.reshape(w.shape[0], -1) @ cols.reshape(-1, hw_out * hw_out)).reshape(-1, hw_out, hw_out)


def net_input(md, x):
    """Tensor 0: x (int16 Q12, [..., 3, 32, 32]) followed by the coordinate planes
    (md_coord along columns, then along rows; SPEC 3)."""
    c = md["md_coord"].astype(I64)
    planes = np.stack([np.tile(c, (32, 1)), np.tile(c[:, None], (1, 32))])
    planes = np.broadcast_to(planes, x.shape[:-3] + planes.shape)
    return np.concatenate([x, planes], axis=-3)


def forward(md, xin, slots, t, trace=None):
    """xin int16[3][32][32] (the sampler's x, Q12), slots int[MD_NSLOTS], t in 0..T-1
    -> v int16[3][32][32] (Q12). Layer 0 is the only one reading an int16 tensor."""
    F = md["F"]
    gb = cond(md, slots, t, trace)
    tens = [net_input(md, xin)]
    for li, L in enumerate(md["layers"]):
        a = tens[L[F["src0"]]]
        a = upsample2(a) if L[F["up0"]] else a
        if L[F["src1"]] >= 0:
            b = tens[L[F["src1"]]]
            a = np.concatenate([a, upsample2(b) if L[F["up1"]] else b])  # channels of src0 first
        cin, cout, k = L[F["cin"]], L[F["cout"]], L[F["k"]]
        w = md["md_conv_w"][L[F["w_off"]]:][:cout * cin * k * k].reshape(cout, cin, k, k)
        ch = slice(L[F["ch_off"]], L[F["ch_off"]] + cout)
        c3 = lambda v: v[ch][:, None, None]  # noqa: E731  per-output-channel constant
        acc = c3(md["md_conv_b"]) + conv(a, w, k, L[F["stride"]], L[F["hw_out"]])
        y = sat(rq(acc, c3(md["md_conv_m"]), c3(md["md_conv_s"])), 16 if L[F["out16"]] else 8)
        fo = L[F["film_off"]]
        if fo >= 0:  # f = sat8((p16 * G + B + 2^19) >> 20)
            G = gb[fo:fo + cout][:, None, None]
            B = gb[fo + cout:fo + 2 * cout][:, None, None]
            y = sat((y * G + B + (1 << 19)) >> 20, 8)
        if L[F["lut"]] >= 0:
            y = md["md_luts"][L[F["lut"]] * 256 + y + 128]
        tens.append(y)
        if trace is not None:
            trace[f"layer{li}"] = fnv1a(y, 2 if li == len(md["layers"]) - 1 else 1)
    return tens[-1]


# ---------------------------------------------------------------- sampler pieces
def timesteps(md, n):
    """DDIM timesteps for n steps (1..100): t_i = T - 1 - (i * T) // n, i = 0..n-1."""
    assert 1 <= n <= 100
    T = md["MD_T"]
    return [T - 1 - (i * T) // n for i in range(n)]


class Rng:
    """xorshift32 seeded through the murmur3 finaliser (never zero)."""

    def __init__(self, seed):
        z = seed & 0xFFFFFFFF
        z ^= z >> 16
        z = (z * 0x85EBCA6B) & 0xFFFFFFFF
        z ^= z >> 13
        z = (z * 0xC2B2AE35) & 0xFFFFFFFF
        z ^= z >> 16
        self.s = z or 0x6D2B79F5

    def next(self):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s

    def gauss_q12(self):
        """Approximate N(0,1) in Q12: sum of 12 uniform 12-bit numbers minus 24570."""
        return sum(self.next() >> 20 for _ in range(12)) - 24570


def initial_noise(seed):
    r = Rng(seed)
    return np.array([r.gauss_q12() for _ in range(3 * 32 * 32)], I64).reshape(3, 32, 32)


def guided(md, t):
    """Whether step t runs the unconditional branch (when the guidance is not 1.0)."""
    return md["MD_GUIDE_T_MIN"] <= t < md["MD_GUIDE_T_MAX"]


def guide(v_c, v_u, g10):
    """v_u + round_half_away((v_c - v_u) * g10 / 10), saturated to int16."""
    num = (v_c - v_u) * g10
    q = np.where(num >= 0, (num + 5) // 10, -((-num + 5) // 10))
    return sat(v_u + q, 16)


def step(md, x, v, t, t_next):
    """SPEC 4.4 steps 3-4 from the (guided) v, int16 Q12: x0 (clamped; the preview) and eps,
    then x re-noised for t_next (-1: after the last step, where alpha-bar is 1).
    Returns (x, x0). Works on one image or a batch (any leading axes)."""
    sa, s1 = md["md_sched_sa"][t], md["md_sched_s1"][t]
    x0 = np.clip((sa * x - s1 * v + 16384) >> 15, -4096, 4096)
    eps = (s1 * x + sa * v + 16384) >> 15
    sap, s1p = (md["md_sched_sa"][t_next], md["md_sched_s1"][t_next]) if t_next >= 0 else (32768, 0)
    return sat((sap * x0 + s1p * eps + 16384) >> 15, 16), x0


def clean_up(md, x, c, trace_hist=None):
    """SPEC 4.4, after the last step: x (int16 Q12) is read as the noise-free x_t at
    t = MD_CLEAN_T, xc = (SA * x + 2^14) >> 15, and replaced by the network's x0 there,
    clamp((SA * xc - S1 * v + 2^14) >> 15, -4096, 4096). Works on one image or a batch
    given a forward for it."""
    tc = md["MD_CLEAN_T"]
    sa, s1 = md["md_sched_sa"][tc], md["md_sched_s1"][tc]
    xc = (sa * x + 16384) >> 15
    v = c(xc, tc)
    return np.clip((sa * xc - s1 * v + 16384) >> 15, -4096, 4096)


def to_pixels(x):
    """Q12 image in [-1, 1] -> uint8 HWC: clamp(((x + 4096) * 255 + 4096) >> 13, 0, 255)."""
    return np.clip(((x + 4096) * 255 + 4096) >> 13, 0, 255).transpose(1, 2, 0).astype(np.uint8)


def slot_indices(slots):
    return [to_index(s, slots[s]) for s in SLOTS]


def generate(md, prompt, negative, seed, steps, g10, on_step=None, trace=None):
    """The whole request. Returns (pixels uint8[32][32][3], info). on_step(i, x0_q12) is
    called at each step boundary with the current estimate of the final image (preview)."""
    assert 10 <= g10 <= 200
    slots, ignored = parse(prompt)
    c = slot_indices(slots)
    u = slot_indices(parse(negative)[0]) if negative else [0] * len(SLOTS)
    x = initial_noise(seed)                                      # int16 Q12, CHW
    ts = timesteps(md, steps)
    hist = {"noise": fnv1a(x, 2), "x_after_step": [], "x0_after_step": []}
    for i, t in enumerate(ts):
        v_c = forward(md, x, c, t, trace if i == 0 else None)
        if g10 != 10 and guided(md, t):
            v = guide(v_c, forward(md, x, u, t), g10)
        else:
            v = v_c                                              # guide(.., 10) would be v_c too
        if i == 0 and trace is not None:
            trace["v"] = fnv1a(v, 2)
        x, x0 = step(md, x, v, t, ts[i + 1] if i + 1 < len(ts) else -1)
        hist["x_after_step"].append(fnv1a(x, 2))
        hist["x0_after_step"].append(fnv1a(x0, 2))
        if on_step:
            on_step(i, x0)
    x = clean_up(md, x, lambda xc, tc: forward(md, xc, c, tc))
    hist["x_clean"] = fnv1a(x, 2)
    return to_pixels(x), {"slots": slots, "ignored": ignored, "cond": c, "uncond": u,
                          "timesteps": ts, **hist}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prompt")
    ap.add_argument("--negative", default="")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75, help="tenths: 75 = 7.5")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    px, info = generate(load(), a.prompt, a.negative, a.seed, a.steps, a.guidance)
    print(info["slots"], info["ignored"], "pixels fnv1a %08x" % fnv1a(px, 1))
    if a.out:
        from PIL import Image
        Image.fromarray(px).save(a.out)


if __name__ == "__main__":
    main()
