"""The judge's accuracy on fresh renders (seeds never used to train it), half of them with two
objects: every slot of clean renders is read right, and broken shapes (in pieces, with a wedge
cut out, blobs: model/judge.py) are read as "other", not as the shape they came from."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
import judge  # noqa: E402
from vocab import SLOTS  # noqa: E402

# judge training renders: renders(n, 5000 + seed) with small seeds; evaluation: fresh seeds
EVAL_SEEDS = [91001, 91002, 91003, 91004, 91005, 91006, 91007]


@pytest.fixture(scope="module")
def j():
    torch.set_num_threads(1)
    return judge.load_judge()


@pytest.fixture(scope="module")
def clean(j):
    per = [judge.accuracy(j, 200, s) for s in EVAL_SEEDS]
    return {k: sum(p[k] for p in per) / len(per) for k in per[0]}


@pytest.fixture(scope="module")
def broken(j):
    per = [judge.accuracy(j, 200, s, p_broken=1.0) for s in EVAL_SEEDS[:3]]
    return {k: sum(p[k] for p in per) / len(per) for k in per[0]}


@pytest.mark.parametrize("slot", SLOTS)
def test_clean_slot_accuracy(clean, slot):
    assert clean[slot] >= 0.98, clean


def test_clean_shapes_not_called_broken(clean):
    assert clean["clean shapes"] >= 0.98, clean


def test_broken_shapes_read_as_other(broken):
    assert broken["broken"] >= 0.90, broken


def test_weights_small():
    assert os.path.getsize(judge.WEIGHTS) < 2 * 1024 * 1024
