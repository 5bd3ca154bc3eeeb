"""The batched integer reference (model/intbatch.py, used for adherence, PSNR and the sheet)
gives the same bytes as the normative model/intref.py: the golden vectors, and a batch of
requests of mixed prompts, negatives and seeds."""
import json
import os
import sys

import numpy as np
import pytest
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "model"))
import golden  # noqa: E402
import intbatch  # noqa: E402
import intref  # noqa: E402


@pytest.fixture(scope="module")
def md():
    torch.set_num_threads(1)
    return intref.load()


@pytest.mark.parametrize("i", range(len(golden.CASES)))
def test_golden(md, i):
    prompt, negative, seed, steps, g10 = golden.CASES[i]
    with open(os.path.join(ROOT, "model", "golden", f"case{i}.json")) as f:
        want = json.load(f)
    px = intbatch.generate_batch(md, [prompt], [negative], [seed], steps, g10)[0]
    assert px.tobytes().hex() == want["pixels_hex"]


def test_batch_equals_intref(md):
    prompts = ["a small pink cross on the right, black background", "blue", "a large star"]
    negatives = ["", "red background", "green"]
    seeds = [5, 6, 4000000000]
    px = intbatch.generate_batch(md, prompts, negatives, seeds, 3, 50)
    for i in range(3):
        want, _ = intref.generate(md, prompts[i], negatives[i], seeds[i], 3, 50)
        assert np.array_equal(px[i], want)
