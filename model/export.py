"""Exports a trained checkpoint to integer C data: app/gen/model_data.c and model_data.h.

Usage: /usr/bin/python3 model/export.py [--ckpt model/out/ckpt.pt] [--calib 512]
Floats are used here only to compute the integer tables; the generated C and the
integer reference (model/intref.py, which reads the generated C) hold integers only.
"""
import argparse
import hashlib
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from net import (Net, LAYERS, IN_CH, COORD_Q12, GUIDE_T_MIN, GUIDE_T_MAX, CLEAN_T, T, EMB, TDIM, HID, N_FILM, SIN256, TFREQ,  # noqa: E402
                 A_MAX, act, layer_shapes, count_macs, peak_activation_bytes)
from scenes import dataset, random_slots  # noqa: E402
from train import schedule, slot_array, P_DROP_ALL, P_DROP_SLOT  # noqa: E402
from vocab import SLOTS, n_index  # noqa: E402

ROOT = os.path.dirname(HERE)
X_Q = 12             # network input: the sampler's int16 x in Q12, read directly by layer 0
V_Q = 12             # network output v: int16 in Q12
FILM_Q = 20          # FiLM: f = sat8((p16 * G + B + 2^19) >> 20)
FIELDS = ["src0", "up0", "src1", "up1", "cin0", "cin", "cout", "k", "stride", "hw_in",
          "hw_out", "w_off", "ch_off", "film_off", "lut", "out16"]
# out16: the conv output is saturated to int16 (the v output, and the pre-FiLM value)


def mult_shift(m):
    """Real multiplier m > 0 -> (M, S) with M in [2^30, 2^31) and m ~= M / 2^S."""
    e = math.floor(math.log2(m))
    S = 30 - e
    M = int(round(m * 2.0 ** S))
    if M == 1 << 31:
        M, S = 1 << 30, S - 1
    assert 1 <= S <= 62, (m, S)
    return M, S


def quant_rows(w):
    """Per-row symmetric int8: returns (int8 array, float scales per row)."""
    w = w.reshape(w.shape[0], -1)
    s = np.maximum(np.abs(w).max(1), 1e-8) / 127.0
    return np.clip(np.rint(w / s[:, None]), -127, 127).astype(np.int8), s


def trajectory_inputs(net, n, seed, steps=20, g10s=(75, 30)):
    """Network inputs met by the sampler: the x_t of float DDIM runs (n prompts per guidance,
    `steps` steps), each with its conditional and unconditional slots."""
    from sample_float import ddim_step  # the samplers' step, traced here
    from intref import initial_noise
    rng = np.random.default_rng(seed + 1)
    slots = slot_array([random_slots(rng, allow_held_out=True, two=i % 2 == 1) for i in range(n)])
    ab = schedule()
    ts = [T - 1 - (i * T) // steps for i in range(steps)]
    xs, ss, tt = [], [], []
    c, u = torch.from_numpy(slots), torch.zeros(n, len(SLOTS), dtype=torch.int64)
    with torch.no_grad():
        for g10 in g10s:
            x = torch.from_numpy(np.stack([initial_noise(seed * 7919 + g10 * 1000 + i)
                                           for i in range(n)]).astype(np.float32) / 4096.0)
            for i, t in enumerate(ts):
                tv = torch.full((n,), t)
                xs += [x, x]
                ss += [c, u]
                tt += [tv, tv]
                v = net(x, c, tv)
                if GUIDE_T_MIN <= t < GUIDE_T_MAX:
                    vu = net(x, u, tv)
                    v = vu + g10 / 10 * (v - vu)
                x, _ = ddim_step(x, v, ab[t], ab[ts[i + 1]] if i + 1 < len(ts) else 1.0)
                x = x.clamp(-8, 8)
    return torch.cat(xs), torch.cat(ss), torch.cat(tt)


def calibrate(net, n, seed, traj=0, pct=0.9999):
    """Activation ranges (the pct quantile of |v|) over noised training-like inputs, plus
    (traj > 0) the inputs of float sampling runs of traj prompts."""
    rng = np.random.default_rng(seed)
    imgs, slots = dataset(n, seed, allow_held_out=True, p_two=0.5)
    x0 = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1
    s = torch.from_numpy(slot_array(slots))
    keep = torch.from_numpy((rng.random((n, len(SLOTS))) >= P_DROP_SLOT) & (rng.random((n, 1)) >= P_DROP_ALL))
    s = s * keep
    t = torch.from_numpy(np.linspace(0, T - 1, n).astype(np.int64))
    ab = torch.from_numpy(schedule()).float()[t][:, None, None, None]
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * torch.from_numpy(rng.standard_normal(x0.shape).astype(np.float32))
    xt = xt.clamp(-4, 4)
    if traj:
        xa, sa, ta = trajectory_inputs(net, traj, seed)
        xt, s, t = torch.cat([xt, xa]), torch.cat([s, sa]), torch.cat([t, ta])
    tr = {}
    with torch.no_grad():
        e = [m(s[:, i]) for i, m in enumerate(net.emb)] + [net.temb[t]]
        tr["h.pre"] = net.fc1(torch.cat(e, 1))
        net(xt, s, t, trace=tr)
    rng_ = {}

    def q(v):
        v = v.abs().numpy().ravel()
        if v.size > 4_000_000:  # quantile of a fixed random subset (memory and time)
            v = v[np.random.default_rng(0).choice(v.size, 4_000_000, replace=False)]
        return float(np.quantile(v, pct))
    for k, v in tr.items():
        rng_[k] = q(v)
    for name, ins, cin, cout, k, st, film, use_act in LAYERS:
        key = name + (".f" if film else ".p")
        if use_act:
            # act() is flat beyond A_MAX and ~0 below -8: only [-8, A_MAX] needs int8 levels
            rng_[key] = max(min(rng_[key], 8.0), 0.5)
            rng_[name + ".a"] = q(act(tr[key]))
        else:
            rng_[name + ".a"] = rng_[key]
    return rng_


def build(ckpt, calib_n, calib_seed, traj=0, pct=0.9999):
    net = Net()
    sd = torch.load(ckpt, map_location="cpu")
    net.load_state_dict(sd["ema"])
    net.eval()
    r = calibrate(net, calib_n, calib_seed, traj, pct)
    sc = lambda key: max(r[key], 1e-6) / 127.0  # noqa: E731
    A = {}  # name -> np array (integers), written to C in this order
    info = {"step": sd.get("step"), "seed": sd.get("seed"), "ranges": r}

    A["md_sin256"] = SIN256.astype(np.int8)
    A["md_tfreq"] = TFREQ.astype(np.int32)
    # slot embeddings: one int8 scale per slot table, folded into fc1's columns
    embs, col_scale, offs = [], [], []
    off = 0
    for i, m in enumerate(net.emb):
        w = m.weight.detach().numpy()
        s = max(np.abs(w).max(), 1e-8) / 127.0
        embs.append(np.clip(np.rint(w / s), -127, 127).astype(np.int8).ravel())
        col_scale += [s] * EMB
        offs.append(off)
        off += w.size
    col_scale += [1.0 / 127.0] * TDIM
    A["md_emb"] = np.concatenate(embs)
    A["md_emb_off"] = np.array(offs, np.int32)
    A["md_emb_rows"] = np.array([n_index(s) for s in SLOTS], np.int32)

    def dense(prefix, w, b, in_scale, out_scale, plus_one=None):
        """int8 rows, int32 bias, (M, S) so that out = rq(acc) in units of out_scale."""
        wq, sw = quant_rows(w * np.asarray(in_scale)[None, :])
        A[prefix + "_w"] = wq.ravel()
        bb = b.copy() if plus_one is None else b + plus_one
        A[prefix + "_b"] = np.rint(bb / sw).astype(np.int64).clip(-2**31, 2**31 - 1).astype(np.int32)
        ms = [mult_shift(sw[j] / out_scale[j]) for j in range(len(sw))]
        A[prefix + "_m"] = np.array([m for m, _ in ms], np.int32)
        A[prefix + "_s"] = np.array([s for _, s in ms], np.int32)

    s_hpre, s_h = sc("h.pre"), sc("h")
    dense("md_fc1", net.fc1.weight.detach().numpy(), net.fc1.bias.detach().numpy(),
          col_scale, np.full(HID, s_hpre))
    A["md_fc1_lut"] = silu_lut(s_hpre, s_h)

    def p16_scale(name):  # int16 pre-FiLM conv output: 2x headroom over the calibrated range
        return 2.0 * sc(name + ".p") / 256.0

    # FiLM head: outputs G = (1+gamma)*s_p/s_f*2^20 and B = beta/s_f*2^20 per channel
    out_scale, plus = [], []
    for name, ins, cin, cout, k, st, film, use_act in LAYERS:
        if film:
            sp, sf = p16_scale(name), sc(name + ".f")
            out_scale += [sf / sp / 2.0 ** FILM_Q] * cout + [sf / 2.0 ** FILM_Q] * cout
            plus += [1.0] * cout + [0.0] * cout
    dense("md_film", net.film.weight.detach().numpy(), net.film.bias.detach().numpy(),
          np.full(HID, s_h), np.array(out_scale), plus_one=np.array(plus))

    # convolutions: input scales per input channel folded into the weights
    scale_of = {"x": 1.0 / (1 << X_Q)}
    chans = {"x": IN_CH, **{l[0]: l[3] for l in LAYERS}}  # x and the coordinate planes, all Q12
    ids = {"x": 0}
    ws, bs, ms_, ss, luts, rows = [], [], [], [], [], []
    hw = layer_shapes()
    w_off = ch_off = film_off = 0
    for li, (name, ins, cin, cout, k, st, film, use_act) in enumerate(LAYERS):
        conv = net.convs[name]
        srcs = [s.replace("up:", "") for s in ins]
        in_scale = np.concatenate([np.full(chans[s], scale_of[s]) for s in srcs])
        assert len(in_scale) == cin
        w = conv.weight.detach().numpy() * in_scale[None, :, None, None]
        wq, sw = quant_rows(w)
        sp = 1.0 / (1 << V_Q) if name == "out" else p16_scale(name) if film else sc(name + ".p")
        ws.append(wq.ravel())
        bs.append(np.rint(conv.bias.detach().numpy() / sw).clip(-2**31, 2**31 - 1).astype(np.int32))
        for j in range(cout):
            m, s = mult_shift(sw[j] / sp)
            ms_.append(m)
            ss.append(s)
        lut_id = -1
        if use_act:
            sf = sc(name + (".f" if film else ".p"))
            luts.append(lut(sf, sc(name + ".a")))
            lut_id = len(luts) - 1
            scale_of[name] = sc(name + ".a")
        else:
            scale_of[name] = sp
        ids[name] = li + 1
        up = [1 if s.startswith("up:") else 0 for s in ins]
        cin0 = cin if len(srcs) == 1 else cin // 2
        hw_in = hw[srcs[0]] * (2 if up[0] else 1)
        rows.append([ids[srcs[0]], up[0], ids[srcs[1]] if len(srcs) > 1 else -1,
                     up[1] if len(srcs) > 1 else 0, cin0, cin, cout, k, st, hw_in, hw[name],
                     w_off, ch_off, film_off if film else -1, lut_id, 1 if (name == "out" or film) else 0])
        w_off += wq.size
        ch_off += cout
        if film:
            film_off += 2 * cout
    assert film_off == N_FILM
    A["md_conv_w"] = np.concatenate(ws)
    A["md_conv_b"] = np.concatenate(bs)
    A["md_conv_m"] = np.array(ms_, np.int32)
    A["md_conv_s"] = np.array(ss, np.int32)
    A["md_luts"] = np.concatenate(luts)
    A["md_layers"] = np.array(rows, np.int32).ravel()

    ab = schedule()
    A["md_sched_sa"] = np.rint(np.sqrt(ab) * 32768).astype(np.int32)       # Q15
    A["md_sched_s1"] = np.rint(np.sqrt(1 - ab) * 32768).astype(np.int32)   # Q15
    A["md_coord"] = COORD_Q12.astype(np.int16)  # the coordinate planes' values (SPEC 3)
    # informational: activation scales (Q24) of every layer output, from calibration
    A["md_act_scale_q24"] = np.array([int(round(scale_of[l[0]] * (1 << 24))) for l in LAYERS], np.int32)
    info["weight_bytes"] = int(A["md_conv_w"].size + A["md_fc1_w"].size + A["md_film_w"].size
                               + A["md_emb"].size)
    info["table_bytes"] = int(sum(a.nbytes for a in A.values()))
    return A, info


def silu_lut(s_in, s_out):
    """The condition MLP's plain SiLU (its inputs are bounded embeddings)."""
    v = (np.arange(256) - 128) * s_in
    return np.clip(np.rint(v / (1 + np.exp(-v)) / s_out), -128, 127).astype(np.int8)


def lut(s_in, s_out):
    """int8 -> int8 table of act(): LUT[i] = sat8(round(act((i - 128) * s_in) / s_out))."""
    v = (np.arange(256) - 128) * s_in
    y = v / (1 + np.exp(-v))
    y = np.minimum(y, A_MAX)
    return np.clip(np.rint(y / s_out), -128, 127).astype(np.int8)


CTYPE = {np.int8: "int8_t", np.int16: "int16_t", np.int32: "int32_t"}


def write_c(A, info, ckpt, calib_n, calib_seed, traj=0, pct=0.9999):
    gen = os.path.join(ROOT, "app", "gen")
    os.makedirs(gen, exist_ok=True)
    with open(ckpt, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    head = ("/* GENERATED by model/export.py -- do not edit.\n"
            f" * inputs: checkpoint {os.path.relpath(ckpt, ROOT)} (sha256 {digest}..., training step "
            f"{info['step']}, seed {info['seed']}),\n"
            f" *         calibration: {calib_n} rendered scenes, seed {calib_seed}, {traj} sampling runs "
            f"per guidance, quantile {pct}; model/net.py graph.\n"
            " * Semantics of every table: model/SPEC.md; reference: model/intref.py. */\n")
    macs, cond = count_macs()
    defs = {"MD_T": T, "MD_EMB": EMB, "MD_TDIM": TDIM, "MD_HID": HID, "MD_NSLOTS": len(SLOTS),
            "MD_COND_IN": len(SLOTS) * EMB + TDIM, "MD_NFILM": N_FILM, "MD_NLAYERS": len(LAYERS), "MD_IN_CH": IN_CH, "MD_GUIDE_T_MIN": GUIDE_T_MIN,
            "MD_GUIDE_T_MAX": GUIDE_T_MAX, "MD_CLEAN_T": CLEAN_T,
            "MD_LAYER_FIELDS": len(FIELDS), "MD_X_Q": X_Q, "MD_V_Q": V_Q, "MD_FILM_Q": FILM_Q,
            "MD_MACS": macs, "MD_COND_MACS": cond, "MD_PEAK_ACT_BYTES": peak_activation_bytes(),
            "MD_WEIGHT_BYTES": info["weight_bytes"]}
    h = [head, "#ifndef MODEL_DATA_H\n#define MODEL_DATA_H\n#include <stdint.h>\n"]
    h += [f"#define {k} {v}" for k, v in defs.items()]
    h += ["/* md_layers row fields */"]
    h += [f"#define MD_L_{f.upper()} {i}" for i, f in enumerate(FIELDS)]
    for name, a in A.items():
        h.append(f"extern const {CTYPE[a.dtype.type]} {name}[{a.size}];")
    h.append("#endif")
    with open(os.path.join(gen, "model_data.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    c = [head, '#include "model_data.h"\n']
    for name, a in A.items():
        c.append(f"const {CTYPE[a.dtype.type]} {name}[{a.size}] = {{")
        vals = [str(int(v)) for v in a.ravel()]
        for i in range(0, len(vals), 24):
            c.append(",".join(vals[i:i + 24]) + ",")
        c.append("};")
    with open(os.path.join(gen, "model_data.c"), "w") as f:
        f.write("\n".join(c) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--calib", type=int, default=512)
    ap.add_argument("--calib-seed", type=int, default=777)
    ap.add_argument("--traj", type=int, default=16, help="also calibrate on float sampling runs "
                    "of this many prompts (20 steps, guidance 7.5 and 3.0)")
    ap.add_argument("--pct", type=float, default=0.999, help="quantile of |v| taken as the range")
    ap.add_argument("--keep", default="", help="first save the checkpoint's EMA weights here "
                    "(committed float reference, model/float.pt) and export from that file")
    a = ap.parse_args()
    if a.keep:
        sd = torch.load(a.ckpt, map_location="cpu")
        torch.save({k: sd[k] for k in ("ema", "step", "seed", "batch", "pool", "seconds") if k in sd},
                   a.keep)
        a.ckpt = a.keep
    A, info = build(a.ckpt, a.calib, a.calib_seed, a.traj, a.pct)
    write_c(A, info, a.ckpt, a.calib, a.calib_seed, a.traj, a.pct)
    print(f"exported: weight bytes {info['weight_bytes']}, all tables {info['table_bytes']} bytes")


if __name__ == "__main__":
    main()
