"""Writes model/golden/*.json: the vectors the C engine must reproduce bit for bit.

Each case: the request, parsed slots, timesteps, hashes (FNV-1a 32 over the little-endian
bytes) of the initial noise, of every intermediate tensor of the first (conditional)
forward, of x_t and of the x0 preview after each step, and the final pixels (hex, HWC RGB).
Usage: /usr/bin/python3 model/golden.py [--check]   (--check compares instead of writing)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import intref  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
CASES = [
    ("A large red circle on the left, blue background", "", 1, 1, 75),
    ("small green star at the top on a black background", "white", 2, 2, 30),
    ("yellow ring", "", 3, 4, 10),
    ("Tiny violet doughnut, lower side, white backdrop. Sparkly!", "blue background", 4, 4, 200),
    ("a purple cross in the centre, background pink", "", 42, 20, 75),
    ("a red circle left of a blue square on a yellow background", "", 7, 3, 75),
    ("a small white star below a large green ring, black bg", "green background", 8, 20, 30),
]


def case(md, prompt, negative, seed, steps, g10):
    tr = {}
    px, info = intref.generate(md, prompt, negative, seed, steps, g10, trace=tr)
    return {"prompt": prompt, "negative": negative, "seed": seed, "steps": steps,
            "guidance_tenths": g10, "slots": info["slots"], "ignored": info["ignored"],
            "cond": info["cond"], "uncond": info["uncond"], "timesteps": info["timesteps"],
            "noise_fnv": "%08x" % info["noise"],
            "first_forward_fnv": {k: "%08x" % v for k, v in tr.items()},
            "x_after_step_fnv": ["%08x" % v for v in info["x_after_step"]],
            "x0_after_step_fnv": ["%08x" % v for v in info["x0_after_step"]],
            "x_clean_fnv": "%08x" % info["x_clean"],
            "pixels_fnv": "%08x" % intref.fnv1a(px, 1),
            "pixels_hex": px.tobytes().hex()}


def main():
    md = intref.load()
    check = "--check" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    bad = 0
    for i, c in enumerate(CASES):
        got = case(md, *c)
        path = os.path.join(OUT, f"case{i}.json")
        if check:
            with open(path) as f:
                want = json.load(f)
            ok = want == got
            bad += not ok
            print(f"{path}: {'ok' if ok else 'MISMATCH'}")
        else:
            with open(path, "w") as f:
                json.dump(got, f, indent=1)
            print(f"{path}: steps {c[3]} pixels {got['pixels_fnv']}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
