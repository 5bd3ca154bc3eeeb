"""The integer reference reproduces the committed golden vectors (model/golden/)."""
import json
import os
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "model"))
import golden  # noqa: E402
import intref  # noqa: E402


@pytest.mark.parametrize("i", range(len(golden.CASES)))
def test_case(i):
    with open(os.path.join(ROOT, "model", "golden", f"case{i}.json")) as f:
        want = json.load(f)
    got = golden.case(intref.load(), *golden.CASES[i])
    assert got == want


def test_rng_and_timesteps():
    r = intref.Rng(0)
    assert r.s != 0
    md = {"MD_T": 1000}
    assert intref.timesteps(md, 1) == [999]
    assert intref.timesteps(md, 4) == [999, 749, 499, 249]
    assert len(set(intref.timesteps(md, 100))) == 100 and intref.timesteps(md, 100)[-1] == 9
