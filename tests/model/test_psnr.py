"""Integer reference vs float model on the same noise (small sample; the full 50-prompt
measurement is `make -f model/model.mk model-check`). The float weights the integer tables
were exported from are committed as model/float.pt (the EMA weights of the checkpoint)."""
import os
import sys

import numpy as np
import pytest
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "model"))
import intbatch  # noqa: E402
import intref  # noqa: E402
from compare import prompt_of  # noqa: E402
from sample_float import load_net, generate_float_batch, psnr  # noqa: E402
from scenes import random_slots  # noqa: E402

CKPT = os.path.join(ROOT, "model", "float.pt")


def exported_from_ckpt():
    """True if app/gen/model_data.c names the sha256 of model/float.pt."""
    import hashlib
    if not os.path.exists(CKPT):
        return False
    with open(CKPT, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    with open(os.path.join(ROOT, "app", "gen", "model_data.c")) as f:
        return digest in f.read(1000)


def test_float_weights_are_the_exported_ones():
    assert exported_from_ckpt()


# Issue 4 asks for >= 25 dB on average over 50 prompts (`make model-check` measures 50; the
# figures are in model/REPORT.md). Here 8 prompts, at the API's default 7.5 and two lower scales.
@pytest.mark.parametrize("g10", [75, 30, 10])
def test_psnr(g10):
    torch.set_num_threads(1)
    rng = np.random.default_rng(2024)
    prompts = [prompt_of(random_slots(rng, allow_held_out=True)) for _ in range(8)]
    seeds = [100000 + i for i in range(8)]
    f = generate_float_batch(load_net(CKPT), prompts, [""] * 8, seeds, 20, g10)
    q = intbatch.generate_batch(intref.load(), prompts, [""] * 8, seeds, 20, g10)
    vals = [psnr(a, b) for a, b in zip(f, q)]
    assert np.mean(vals) >= 25.0, vals
