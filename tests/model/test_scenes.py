"""The renderer is deterministic by seed and respects its invariants."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
from scenes import dataset  # noqa: E402
from vocab import is_held_out  # noqa: E402


def test_deterministic():
    a, sa = dataset(20, 7)
    b, sb = dataset(20, 7)
    c, _ = dataset(20, 8)
    assert np.array_equal(a, b) and sa == sb
    assert not np.array_equal(a, c)


def test_invariants():
    imgs, slots = dataset(200, 3)
    assert imgs.shape == (200, 32, 32, 3) and imgs.dtype == np.uint8
    for s in slots:
        assert s["colour"] != s["background"]
        assert not is_held_out(s["colour"], s["shape"], s["background"])


def test_covers():
    """The coverage training weights its loss with: asking for it leaves the renders as they
    were, it is 1 on the shape and 0 far from it, and a small shape covers less than a large."""
    imgs, slots = dataset(60, 3)
    imgs2, slots2, cov = dataset(60, 3, covers=True)
    assert np.array_equal(imgs, imgs2) and slots == slots2
    assert cov.shape == (60, 32, 32) and cov.min() >= 0.0 and cov.max() <= 1.0
    area = {"small": [], "large": []}
    for img, c, s in zip(imgs, cov, slots):
        area[s["size"]].append(c.sum())
        # the fully covered pixels are the object's colour, the uncovered ones the background's
        fg, bg = img[c == 1.0].mean(axis=0), img[c == 0.0].mean(axis=0)
        assert np.abs(fg.astype(float) - bg).max() > 20
        assert c.max() == 1.0 and (c == 0.0).sum() > 32 * 32 // 2
    assert max(area["small"]) < min(area["large"])
