"""A sheet of generated images with their prompts as captions (model/out/sheet.png).

Images come from the integer reference (model/intbatch.py, bit-identical to model/intref.py
and so to the C engine) run on the exported app/gen/model_data.c: what the firmware makes.
Each tile: the image scaled 4x (nearest), the prompt wrapped below it, and the judge's
reading of the image (slots that disagree with the prompt in upper case).

Usage: /usr/bin/python3 model/sheet.py [--steps 20] [--guidance 75] [--out model/out/sheet.png]
"""
import argparse
import os
import sys
import textwrap

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import intbatch  # noqa: E402
import intref  # noqa: E402
from prompt import parse  # noqa: E402
from vocab import SLOTS, slots_held_out  # noqa: E402

# free-text prompts as a user would type them: full, partial, synonyms, held-out combinations
PROMPTS = [
    "a large red circle on the left, blue background",
    "small green star at the top on a black background",
    "yellow square",
    "a big white cross in the center, purple background",
    "tiny orange triangle, bottom, cyan backdrop",
    "a pink ring on the right, green background",
    "large blue square at the top, yellow background",
    "a black circle on a white background",
    "cyan star, big, on the left, pink background",
    "small purple triangle on the right, orange background",
    "a red ring",
    "green cross at the bottom, red background",
    "a large yellow star in the centre, blue background",
    "white triangle on the left, black background",
    "a blue circle",
    "magenta donut, navy backdrop",
    # held-out combinations (never seen in training)
    "a red star on a white background",
    "a large blue triangle, yellow background",
    "green ring at the top, black background",
    "small yellow cross on the right, blue background",
    "a purple circle on the left, white background",
    "big white square, red background",
    "an orange circle on a cyan background",
    "large pink square, black background",
    # two objects (the second half of the sheet)
    "a red circle left of a blue square, yellow background",
    "a small white star above a large green ring, black background",
    "a yellow cross right of a purple triangle on a cyan background",
    "a large orange square below a small pink circle, blue background",
    "a green ring and a red star on a white background",
    "a black triangle above a white cross, red background",
    "a blue star left of a blue circle, orange background",
    "a big cyan ring beside a tiny yellow square, purple background",
    "a pink cross under a black star, green background",
    "a circle and a square",
    # held-out combinations for one of the objects
    "a red star left of a white circle, blue background",
    "a green ring above an orange triangle, black background",
]


def caption_font():
    return ImageFont.load_default()


def sheet(images, prompts, readings, cols=6, scale=4, out="sheet.png", title=""):
    font = caption_font()
    tw = 32 * scale + 16
    wrapped = [textwrap.wrap(p, 22) + textwrap.wrap(r, 22) for p, r in zip(prompts, readings)]
    n_prompt = [len(textwrap.wrap(p, 22)) for p in prompts]
    lines = max(len(w) for w in wrapped)
    th = 32 * scale + 8 + 12 * lines + 8
    rows = (len(images) + cols - 1) // cols
    img = Image.new("RGB", (cols * tw, rows * th + 20), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.text((6, 4), title, fill=(0, 0, 0), font=font)
    for i, (im, w, k) in enumerate(zip(images, wrapped, n_prompt)):
        x, y = (i % cols) * tw + 8, (i // cols) * th + 20
        img.paste(Image.fromarray(im).resize((32 * scale, 32 * scale), Image.NEAREST), (x, y))
        yy = y + 32 * scale + 4
        for j, line in enumerate(w):  # the prompt in black, the judge's reading in grey
            d.text((x, yy), line, fill=(0, 0, 0) if j < k else (120, 120, 120), font=font)
            yy += 12
    img.save(out)
    return img


def reading(pred, slots):
    """The judge's reading; slots the prompt names and the judge reads differently: upper case."""
    out = {}
    for s in SLOTS:
        v = pred[s] or "-"
        out[s] = v.upper() if slots[s] is not None and slots[s] != pred[s] else v
    if pred["relation"] == "single":
        text = f"{out['colour']} {out['shape']} {out['size']}/{out['position']}"
    else:
        text = (f"{out['colour']} {out['shape']} {out['size']} {out['relation']} "
                f"{out['colour2']} {out['shape2']} {out['size2']}")
        if slots["relation"] == "single":
            text = "TWO: " + text
    if slots["relation"] in ("beside", "above") and pred["relation"] == "single":
        text = "ONE: " + text
    return "judge: " + text + " on " + out["background"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=int, default=75, help="tenths")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "sheet.png"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    md = intref.load()
    seeds = [a.seed * 1000 + i for i in range(len(PROMPTS))]
    px = intbatch.generate_batch(md, PROMPTS, [""] * len(PROMPTS), seeds, a.steps, a.guidance)
    slots = [parse(p)[0] for p in PROMPTS]
    try:
        from judge import load_judge, predict
        preds = predict(load_judge(), px)
        preds = [dict(p) for p in preds]
        readings = [reading(p, s) for p, s in zip(preds, slots)]
    except FileNotFoundError:
        readings = [""] * len(PROMPTS)
    caps = [("[held-out] " if s["colour"] and slots_held_out(s) else "") + p
            for p, s in zip(PROMPTS, slots)]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    sheet(px, caps, readings, out=a.out,
          title=f"integer reference (app/gen/model_data.c), {a.steps} steps, guidance {a.guidance / 10}, "
                f"seeds {seeds[0]}..{seeds[-1]}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
