"""The adherence aims on the committed weights: the judge reads 200 one-object and 200
two-object images (20 steps, the API's default guidance 7.5, 60 prompts each with held-out
combinations, seeds not used in training) made by the float model and by the integer reference
(~1.5 min). Issue 4's aims (object colour and background at least 90 %, shape at least 80 %,
integer within 3 points of float) and issue 21's (shape at least 95 %, small shapes 90 %, all
slots 93 %, integer within 1 point of float, the same for two objects). An aim the committed
weights do not reach yet is a strict xfail (it fails the tier once it is met, so that the mark
goes); the figures reached are in model/REPORT.md (`make model-report`)."""
import os
import sys

import pytest
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "model"))
import adherence  # noqa: E402

NOT_YET = pytest.mark.xfail(strict=True, reason="not reached by the committed weights (model/REPORT.md)")

# (objects, slot or "small shape", aim in %)
AIMS = [(1, "colour", 90.0), (1, "background", 90.0), (1, "shape", 80.0),  # issue 4
        (1, "shape", 95.0), (1, "small shape", 90.0), (1, "all", 93.0),     # issue 21
        (2, "colour", 90.0), (2, "colour2", 90.0), (2, "background", 90.0), (2, "relation", 93.0),
        (2, "shape", 95.0), (2, "shape2", 95.0), (2, "all", 93.0)]
# aims the committed weights miss (model/REPORT.md, "Against the aims"); each flips to a
# failure once met. Issue 4's shape >= 80 % is among them: the judge of issue 21 rejects broken
# shapes that issue 4's accepted (issue 4's weights read 74 % with it), and the retrain for two
# objects left one-object shapes at 79.5 / 77.5 % (float / integer). Where the integer
# reference trails the float model by more than 1 point (shape, and two objects' "all" by
# 3.5) is missed too.
MISSED = {(o, slot, aim, images) for o, slot, aim in [
    (1, "shape", 80.0), (1, "shape", 95.0), (1, "small shape", 90.0), (1, "all", 93.0),
    (2, "shape", 95.0), (2, "shape2", 95.0), (2, "all", 93.0)]
    for images in ("float", "integer")} | {("integer vs float", 1, 1.0), ("integer vs float", 2, 1.0),
                                           ("integer vs float", 2, 3.0)}


@pytest.fixture(scope="module")
def results():
    torch.set_num_threads(2)
    out = {}
    for objects in (1, 2):
        _, _, _, _, res, slots = adherence.measure(os.path.join(ROOT, "model", "float.pt"), objects=objects)
        small = [s["size"] == "small" for s in slots]
        for images, hits in res.items():
            r = {s: 100.0 * h.mean() for s, h in hits.items() if s != "bg"}
            r["small shape"] = 100.0 * hits["shape"][small].mean()
            out[objects, images] = r
    return out


def params():
    for objects, slot, aim in AIMS:
        for images in ("float", "integer"):
            key = (objects, slot, aim, images)
            yield pytest.param(*key, marks=[NOT_YET] if key in MISSED else [],
                               id=f"{objects}obj-{slot}-{aim:g}-{images}")


@pytest.mark.parametrize("objects,slot,aim,images", params())
def test_aim(results, objects, slot, aim, images):
    assert results[objects, images][slot] >= aim, results[objects, images]


def close_params():
    for objects in (1, 2):
        for points in (3.0, 1.0):
            key = ("integer vs float", objects, points)
            yield pytest.param(objects, points, marks=[NOT_YET] if key in MISSED else [],
                               id=f"{objects}obj-within-{points:g}")


@pytest.mark.parametrize("objects,points", close_params())
def test_integer_close_to_float(results, objects, points):
    fl, it = results[objects, "float"], results[objects, "integer"]
    far = {s: (fl[s], it[s]) for s in fl if s != "small shape" and abs(fl[s] - it[s]) > points}
    assert not far, far
