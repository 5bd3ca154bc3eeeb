"""The judge's per-slot accuracy on fresh clean renders (seeds never used to train it)."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
import judge  # noqa: E402
from vocab import SLOTS  # noqa: E402

# judge training renders: dataset(n, 5000 + seed) with small seeds; evaluation: 7 fresh seeds
EVAL_SEEDS = [91001, 91002, 91003, 91004, 91005, 91006, 91007]


@pytest.fixture(scope="module")
def acc():
    torch.set_num_threads(1)
    j = judge.load_judge()
    per = [judge.accuracy(j, 200, s) for s in EVAL_SEEDS]
    return {s: sum(p[s] for p in per) / len(per) for s in SLOTS}


@pytest.mark.parametrize("slot", SLOTS)
def test_slot_accuracy(acc, slot):
    assert acc[slot] >= 0.98, acc


def test_weights_small():
    assert os.path.getsize(judge.WEIGHTS) < 2 * 1024 * 1024
