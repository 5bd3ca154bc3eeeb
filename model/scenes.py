"""Deterministic renderer of the synthetic scene family (32x32 RGB, uint8, HWC).

A scene is one shape of a named colour, size and position on a background colour, or two
shapes (each its own colour, shape and size) side by side ("beside": the first on the left)
or one above the other ("above": the first at the top). Exact size, position and colours are
jittered and edges are anti-aliased (4x4 supersampling) so the network has to generalise
rather than memorise pixels.
"""
import numpy as np

from vocab import COLOURS, SHAPES, SIZES, POSITIONS, SLOTS

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
# two objects: centres 8 px either side of the image centre; a large shape is drawn at 7 px
# so that two of them (jittered to 7.6) do not touch
PAIR_OFFSET = 8.0
PAIR_RADIUS = {"small": 4.8, "large": 7.0}
PAIR_AXIS = {"beside": (1, 0), "above": (0, 1)}
# Pixel noise of the renders. It was 3 levels (sigma); generated backgrounds came out speckled
# (issue 21), and a network that has only ever seen flat backgrounds has no noise to draw.
NOISE = 1.0

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


def placements(slots):
    """[(shape, radius, cx, cy)] of the scene's objects, nominal (no jitter)."""
    if slots.get("relation") in PAIR_AXIS:
        ax, ay = PAIR_AXIS[slots["relation"]]
        return [(slots[sh], PAIR_RADIUS[slots[sz]], SIZE / 2 + k * ax * PAIR_OFFSET,
                 SIZE / 2 + k * ay * PAIR_OFFSET)
                for k, sh, sz in ((-1, "shape", "size"), (1, "shape2", "size2"))]
    dx, dy = DIRECTION[slots["position"]]
    r, off = RADIUS[slots["size"]], OFFSET[slots["size"]]
    return [(slots["shape"], r, SIZE / 2 + dx * off, SIZE / 2 + dy * off)]


def _cover(shape, r, cx, cy):
    mask = _inside(shape, (_FX - cx) / r, (_FY - cy) / r).astype(np.float32)
    return mask.reshape(SIZE, SS, SIZE, SS).mean(axis=(1, 3))


def object_cover(slots):
    """Nominal (unjittered) coverage 0..1 of the scene's objects, float32 [32, 32]: where the
    prompt puts them (model/bgnoise.py measures the background outside it)."""
    return np.maximum.reduce([_cover(*p) for p in placements(slots)] + [np.zeros((SIZE, SIZE), np.float32)])


def render_slots(slots, rng, cover_out=None, inside=None):
    """Render one scene; slots is a full slot dict (vocabulary names, None for a slot the scene
    does not have); rng is a numpy Generator. cover_out, if given (float32 [32, 32]), receives the
    objects' pixel coverage 0..1, which training uses to weight the loss towards the objects
    (model/train.py). inside(shape, u, v, rng), if given, replaces the shape test (the judge's
    broken shapes)."""
    inside = inside or (lambda sh, u, v, _rng: _inside(sh, u, v))
    bg = np.array(RGB[slots["background"]], np.float32) + rng.uniform(-12, 12, 3)
    img = np.broadcast_to(bg, (SIZE, SIZE, 3)).copy()
    total = np.zeros((SIZE, SIZE), np.float32)
    for (shape, r, cx, cy), colour in zip(placements(slots), (slots["colour"], slots.get("colour2"))):
        assert colour != slots["background"]
        r *= 1.0 + rng.uniform(-0.08, 0.08)
        cx += rng.uniform(-1.0, 1.0)
        cy += rng.uniform(-1.0, 1.0)
        mask = inside(shape, (_FX - cx) / r, (_FY - cy) / r, rng).astype(np.float32)
        cover = mask.reshape(SIZE, SS, SIZE, SS).mean(axis=(1, 3))
        fg = np.array(RGB[colour], np.float32) + rng.uniform(-12, 12, 3)
        img = cover[..., None] * fg + (1.0 - cover[..., None]) * img
        total = np.maximum(total, cover)
    if cover_out is not None:
        cover_out[...] = total
    img = img + rng.normal(0.0, NOISE, (SIZE, SIZE, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def render(colour, shape, size, position, background, rng, cover_out=None):
    """One object (the scene family of issue 4)."""
    return render_slots({"colour": colour, "shape": shape, "size": size, "position": position,
                         "background": background, "relation": "single"}, rng, cover_out)


def random_slots(rng, allow_held_out=False, two=False):
    """Random full slot assignment (names) of a one-object scene, or with two=True of a
    two-object one; no object has the background's colour."""
    from vocab import slots_held_out, RELATIONS
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    while True:
        s = dict.fromkeys(SLOTS)
        s.update(colour=pick(COLOURS), shape=pick(SHAPES), size=pick(SIZES), background=pick(COLOURS))
        if two:
            s.update(colour2=pick(COLOURS), shape2=pick(SHAPES), size2=pick(SIZES),
                     relation=RELATIONS[1 + rng.integers(2)])
        else:
            s.update(position=pick(POSITIONS), relation="single")
        if s["background"] in (s["colour"], s["colour2"]):
            continue
        if not allow_held_out and slots_held_out(s):
            continue
        return s


def dataset(n, seed, allow_held_out=False, covers=False, p_two=0.0):
    """n scenes and their slot dicts, reproducible from seed, a share p_two of them with two
    objects; with covers=True also each scene's object coverage (float32 [n, 32, 32]). The
    renders do not depend on covers."""
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, SIZE, SIZE, 3), np.uint8)
    cov = np.empty((n, SIZE, SIZE), np.float32) if covers else None
    slots = []
    for i in range(n):
        s = random_slots(rng, allow_held_out, two=p_two > 0 and rng.random() < p_two)
        imgs[i] = render_slots(s, rng, cov[i] if covers else None)
        slots.append(s)
    return (imgs, slots, cov) if covers else (imgs, slots)
