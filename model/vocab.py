"""The closed vocabulary shared by the renderer, the parser, the network and the C engine.

Slot index 0 always means "unspecified"; value i >= 1 is NAMES[i - 1].
"""

COLOURS = ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black"]
SHAPES = ["circle", "square", "triangle", "ring", "cross", "star"]
SIZES = ["small", "large"]
POSITIONS = ["left", "right", "top", "bottom", "center"]

# How the objects of a scene stand (slot "relation"): "single" = one object (placed by
# "position"); "beside" = two objects, the first on the left, the second on the right;
# "above" = two objects, the first at the top, the second at the bottom. The parser turns
# "B right of A" / "B below A" into this order, so a picture has one description.
RELATIONS = ["single", "beside", "above"]

# slot order everywhere (prompt dicts, embeddings, C arrays); colour2, shape2, size2 are the
# second object's (unspecified in one-object scenes, like position in two-object ones)
SLOTS = ["colour", "shape", "size", "position", "background", "colour2", "shape2", "size2",
         "relation"]
SLOT_VALUES = {
    "colour": COLOURS,
    "shape": SHAPES,
    "size": SIZES,
    "position": POSITIONS,
    "background": COLOURS,
    "colour2": COLOURS,
    "shape2": SHAPES,
    "size2": SIZES,
    "relation": RELATIONS,
}
# the slots of one object: the first and the second
OBJECT_SLOTS = (("colour", "shape", "size"), ("colour2", "shape2", "size2"))


def n_index(slot):
    """Number of embedding rows of a slot (values + the unspecified row 0)."""
    return len(SLOT_VALUES[slot]) + 1


def to_index(slot, name):
    return 0 if name is None else SLOT_VALUES[slot].index(name) + 1


def from_index(slot, idx):
    return None if idx == 0 else SLOT_VALUES[slot][idx - 1]


# Attribute combinations never shown in training; used only for evaluation.
HELD_OUT_COLOUR_SHAPE = [("red", "star"), ("blue", "triangle"), ("green", "ring"),
                         ("yellow", "cross"), ("purple", "circle"), ("white", "square")]
HELD_OUT_COLOUR_BACKGROUND = [("orange", "cyan"), ("pink", "black"), ("cyan", "red"),
                              ("black", "yellow")]


def is_held_out(colour, shape, background, colour2=None, shape2=None):
    """A held-out pair for either object (the second one's against the same background)."""
    return ((colour, shape) in HELD_OUT_COLOUR_SHAPE
            or (colour, background) in HELD_OUT_COLOUR_BACKGROUND
            or (colour2 is not None and ((colour2, shape2) in HELD_OUT_COLOUR_SHAPE
                                         or (colour2, background) in HELD_OUT_COLOUR_BACKGROUND)))


def slots_held_out(s):
    return is_held_out(s["colour"], s["shape"], s["background"], s.get("colour2"), s.get("shape2"))
