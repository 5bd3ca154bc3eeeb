"""The prompt parser: free text -> five attribute slots + the unknown words.

Rules (model/SPEC.md section 2 is the normative text; the C parser ports this file):
 1. Tokens are maximal runs of ASCII letters; everything else separates. Lowercase them.
 2. Each token is looked up in WORDS: a colour, shape, size, position, a background
    keyword, or a filler. Anything else is unknown: appended to `ignored` (in order, with
    repeats) and kept in the token stream (it blocks adjacency, rule 3).
 3. Fillers are dropped from the stream. A colour token is "background-marked" if the
    token just before or just after it in that stream is a background keyword.
 4. background = the first background-marked colour. colour = the first colour token that
    is not that one. With no background-marked colour: colour = the first colour token,
    background = the second colour token (if any).
 5. shape, size, position = the first token of that kind. Other known words are dropped.
"""
import sys

from vocab import COLOURS, SHAPES, SIZES, POSITIONS, SLOTS

WORDS = {}
for _c in COLOURS:
    WORDS[_c] = ("colour", _c)
for _w, _c in {"violet": "purple", "magenta": "pink", "crimson": "red", "scarlet": "red",
               "turquoise": "cyan", "aqua": "cyan", "teal": "cyan", "navy": "blue",
               "lime": "green", "gold": "yellow", "golden": "yellow", "amber": "orange",
               "rose": "pink", "ivory": "white", "snow": "white", "ebony": "black"}.items():
    WORDS[_w] = ("colour", _c)
for _w, _s in {"circle": "circle", "circles": "circle", "disc": "circle", "disk": "circle",
               "dot": "circle", "ball": "circle", "square": "square", "squares": "square",
               "box": "square", "block": "square", "triangle": "triangle",
               "triangles": "triangle", "ring": "ring", "rings": "ring", "donut": "ring",
               "doughnut": "ring", "hoop": "ring", "annulus": "ring", "cross": "cross",
               "crosses": "cross", "plus": "cross", "star": "star", "stars": "star"}.items():
    WORDS[_w] = ("shape", _s)
for _w, _s in {"small": "small", "tiny": "small", "little": "small", "mini": "small",
               "smaller": "small", "large": "large", "big": "large", "huge": "large",
               "giant": "large", "bigger": "large", "larger": "large",
               "massive": "large"}.items():
    WORDS[_w] = ("size", _s)
for _w, _p in {"left": "left", "right": "right", "top": "top", "upper": "top",
               "bottom": "bottom", "lower": "bottom", "center": "center",
               "centre": "center", "middle": "center", "centered": "center",
               "centred": "center", "central": "center"}.items():
    WORDS[_w] = ("position", _p)
for _w in ("background", "backdrop", "bg", "backgrounds"):
    WORDS[_w] = ("bgword", None)
for _w in ("a", "an", "the", "on", "in", "at", "of", "with", "and", "to", "is", "over",
           "against", "side", "shape", "shaped", "one", "color", "colour", "colored",
           "coloured", "please", "draw", "picture", "image", "its", "it", "has", "some"):
    WORDS[_w] = ("filler", None)


def tokenize(text):
    out, cur = [], []
    for ch in text:
        if ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            cur.append(ch.lower())
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def parse(text):
    """Return (slots, ignored): slots maps each SLOTS name to a vocabulary name or None."""
    stream, ignored = [], []  # stream: (kind, value) without fillers
    for tok in tokenize(text):
        kind, val = WORDS.get(tok, ("unknown", tok))
        if kind == "unknown":
            ignored.append(tok)
        if kind != "filler":
            stream.append((kind, val))
    slots = dict.fromkeys(SLOTS)
    colours = [i for i, (k, _) in enumerate(stream) if k == "colour"]
    bg_at = None
    for i in colours:
        before = i > 0 and stream[i - 1][0] == "bgword"
        after = i + 1 < len(stream) and stream[i + 1][0] == "bgword"
        if before or after:
            bg_at = i
            break
    if bg_at is not None:
        slots["background"] = stream[bg_at][1]
        rest = [i for i in colours if i != bg_at]
        if rest:
            slots["colour"] = stream[rest[0]][1]
    else:
        if colours:
            slots["colour"] = stream[colours[0]][1]
        if len(colours) > 1:
            slots["background"] = stream[colours[1]][1]
    for kind, val in stream:
        if kind in ("shape", "size", "position") and slots[kind] is None:
            slots[kind] = val
    return slots, ignored


def tsv_fields(slots, ignored):
    return [slots[s] or "-" for s in SLOTS] + [",".join(ignored) or "-"]


if __name__ == "__main__":
    s, ig = parse(" ".join(sys.argv[1:]))
    print("\t".join(tsv_fields(s, ig)))
