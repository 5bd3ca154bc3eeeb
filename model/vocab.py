"""The closed vocabulary shared by the renderer, the parser, the network and the C engine.

Slot index 0 always means "unspecified"; value i >= 1 is NAMES[i - 1].
"""

COLOURS = ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black"]
SHAPES = ["circle", "square", "triangle", "ring", "cross", "star"]
SIZES = ["small", "large"]
POSITIONS = ["left", "right", "top", "bottom", "center"]

# slot order everywhere (prompt dicts, embeddings, C arrays)
SLOTS = ["colour", "shape", "size", "position", "background"]
SLOT_VALUES = {
    "colour": COLOURS,
    "shape": SHAPES,
    "size": SIZES,
    "position": POSITIONS,
    "background": COLOURS,
}


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


def is_held_out(colour, shape, background):
    return ((colour, shape) in HELD_OUT_COLOUR_SHAPE
            or (colour, background) in HELD_OUT_COLOUR_BACKGROUND)
