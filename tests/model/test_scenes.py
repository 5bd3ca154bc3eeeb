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
