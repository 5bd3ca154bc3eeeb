"""Deterministic renderer of the synthetic scene family (32x32 RGB, uint8, HWC).

A scene is one shape of a named colour, size and position on a background colour.
Exact size, position and colours are jittered and edges are anti-aliased (4x4
supersampling) so the network has to generalise rather than memorise pixels.
"""
import numpy as np

from vocab import COLOURS, SHAPES, SIZES, POSITIONS

SIZE = 32
SS = 4  # supersampling factor per axis for anti-aliasing

RGB = {
    "red": (220, 30, 30), "orange": (245, 140, 20), "yellow": (240, 225, 30),
    "green": (40, 170, 50), "cyan": (30, 210, 220), "blue": (30, 60, 220),
    "purple": (130, 40, 190), "pink": (245, 130, 190), "white": (245, 245, 245),
    "black": (15, 15, 15),
}
RADIUS = {"small": 4.8, "large": 8.8}
# offset of the shape centre from the image centre, per size (large shapes stay inside)
OFFSET = {"small": 9.0, "large": 6.5}
DIRECTION = {"left": (-1, 0), "right": (1, 0), "top": (0, -1), "bottom": (0, 1), "center": (0, 0)}

_fine = (np.arange(SIZE * SS) + 0.5) / SS  # pixel-space coordinates of subsamples
_FX, _FY = np.meshgrid(_fine, _fine)


def _inside(shape, u, v):
    """Boolean mask of points (u, v) (units of the radius, v downwards) inside the shape."""
    if shape == "circle":
        return u * u + v * v <= 1.0
    if shape == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.85
    if shape == "triangle":  # apex up, base at v = 0.65
        return (v <= 0.65) & (np.abs(u) <= 0.6 * (v + 1.0))
    if shape == "ring":
        d = u * u + v * v
        return (d <= 1.0) & (d >= 0.36)
    if shape == "cross":
        a, b = np.abs(u), np.abs(v)
        return ((a <= 0.3) & (b <= 0.95)) | ((b <= 0.3) & (a <= 0.95))
    if shape == "star":  # five points, one up; radius piecewise linear in angle
        r = np.sqrt(u * u + v * v)
        th = np.mod(np.arctan2(u, -v), 2 * np.pi / 5)
        k = np.abs(th - np.pi / 5) / (np.pi / 5)  # 1 at a point, 0 between points
        return r <= 0.42 + 0.63 * k
    raise ValueError(shape)


def render(colour, shape, size, position, background, rng, cover_out=None):
    """Render one scene; every argument is a vocabulary name; rng is a numpy Generator.
    cover_out, if given (float32 [32, 32]), receives the shape's pixel coverage 0..1, which
    training uses to weight the loss towards the object (model/train.py)."""
    assert colour != background
    r = RADIUS[size] * (1.0 + rng.uniform(-0.08, 0.08))
    dx, dy = DIRECTION[position]
    cx = SIZE / 2 + dx * OFFSET[size] + rng.uniform(-1.0, 1.0)
    cy = SIZE / 2 + dy * OFFSET[size] + rng.uniform(-1.0, 1.0)
    mask = _inside(shape, (_FX - cx) / r, (_FY - cy) / r).astype(np.float32)
    cover = mask.reshape(SIZE, SS, SIZE, SS).mean(axis=(1, 3))[..., None]
    if cover_out is not None:
        cover_out[...] = cover[..., 0]
    fg = np.array(RGB[colour], np.float32) + rng.uniform(-12, 12, 3)
    bg = np.array(RGB[background], np.float32) + rng.uniform(-12, 12, 3)
    img = cover * fg + (1.0 - cover) * bg + rng.normal(0.0, 3.0, (SIZE, SIZE, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def random_slots(rng, allow_held_out=False):
    """Random full slot assignment (names); background differs from the object colour."""
    from vocab import is_held_out
    while True:
        c = COLOURS[rng.integers(len(COLOURS))]
        b = COLOURS[rng.integers(len(COLOURS))]
        s = SHAPES[rng.integers(len(SHAPES))]
        if c == b or (not allow_held_out and is_held_out(c, s, b)):
            continue
        return {"colour": c, "shape": s, "size": SIZES[rng.integers(len(SIZES))],
                "position": POSITIONS[rng.integers(len(POSITIONS))], "background": b}


def render_slots(slots, rng, cover_out=None):
    return render(slots["colour"], slots["shape"], slots["size"], slots["position"],
                  slots["background"], rng, cover_out)


def dataset(n, seed, allow_held_out=False, covers=False):
    """n scenes and their slot dicts, reproducible from seed; with covers=True also each
    scene's shape coverage (float32 [n, 32, 32]). The renders do not depend on covers."""
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, SIZE, SIZE, 3), np.uint8)
    cov = np.empty((n, SIZE, SIZE), np.float32) if covers else None
    slots = []
    for i in range(n):
        s = random_slots(rng, allow_held_out)
        imgs[i] = render_slots(s, rng, cov[i] if covers else None)
        slots.append(s)
    return (imgs, slots, cov) if covers else (imgs, slots)
