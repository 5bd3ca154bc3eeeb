"""Background noise of a generated scene (issue 21): of the pixels more than 2 px from every
object, the share whose largest channel deviation from the background colour (the median of
those pixels on the image border) is at most 8 levels. Clean renders of model/scenes.py score
~96 % (their pixel noise is sigma = 3); the issue asks for >= 90 % on the adherence prompts.

Where the objects are is known from the prompt, not read from the image (a speckle must not
count as an object): the nominal render (no jitter) of the prompt's object(s), dilated by
2 px plus the renderer's jitter (position +-1 px, size +-8 %, so 1 px more: 3 px in all).
"""
import numpy as np
import torch
import torch.nn.functional as F

from scenes import object_cover

TOL = 8          # levels
MARGIN = 3       # px: the 2 px plus the renderer's position/size jitter


def background_mask(slots):
    """bool [32, 32]: pixels more than MARGIN px from the prompt's nominal object(s)."""
    cov = torch.from_numpy(object_cover(slots) > 0).float()[None, None]
    near = F.max_pool2d(cov, 2 * MARGIN + 1, 1, MARGIN)[0, 0].numpy() > 0
    return ~near


def background_clean(img, slots, tol=TOL):
    """Share (0..1) of the background pixels of img (uint8 HWC) within tol levels of the
    background colour in every channel."""
    m = background_mask(slots)
    border = np.zeros_like(m)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    ref = img[m & border] if (m & border).any() else img[m]
    med = np.median(ref.astype(np.float64), axis=0)
    dev = np.abs(img[m].astype(np.float64) - med).max(axis=1)
    return float(np.mean(dev <= tol))


def background_clean_many(imgs, slots_list, tol=TOL):
    return np.array([background_clean(i, s, tol) for i, s in zip(imgs, slots_list)])
