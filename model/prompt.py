"""The prompt parser: free text -> the attribute slots + the unknown words.

Rules (model/SPEC.md section 2 is the normative text; the C parser ports this file):
 1. Tokens are maximal runs of ASCII letters; everything else separates. Lowercase them.
 2. Each token is looked up in WORDS: a colour, shape, size, position, a background
    keyword, a relation word, or a filler. Anything else is unknown: appended to `ignored`
    (in order, with repeats) and kept in the token stream (it blocks adjacency, rule 3).
    "left" or "right" directly followed by the token "of" is a relation word.
 2a. The first relation word with a shape token before it and one after it in the stream
    splits the prompt into two objects; the other relation words are dropped ("left of" /
    "right of" become the position left / right again).
 3. Fillers are dropped from the stream. A colour token is "background-marked" if the
    token just before or just after it in that stream is a background keyword.
 4. One object: background = the first background-marked colour. colour = the first colour
    token that is not that one. With no background-marked colour: colour = the first colour
    token, background = the second colour token (if any). relation = single if any of
    colour, shape, size, position is set.
 5. shape, size, position = the first token of that kind. Other known words are dropped.
 6. Two objects: each part gives its object's colour (its first colour token that is not
    background-marked), shape and size; background = the first background-marked colour,
    else the first colour token used by neither object; position unspecified. "right of",
    "below", "under", "beneath" swap the objects so that the first is the left / top one.
"""
import sys

from vocab import COLOURS, SHAPES, SIZES, POSITIONS, SLOTS, OBJECT_SLOTS

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
# relation words: (relation, swap, position if unused); "left of" / "right of" are "left" /
# "right" followed by "of" (rule 2), and stay positions when they do not split
for _w, _r in {"and": ("beside", False), "beside": ("beside", False), "above": ("above", False),
               "below": ("above", True), "under": ("above", True),
               "beneath": ("above", True)}.items():
    WORDS[_w] = ("relation", _r + (None,))
for _w in ("background", "backdrop", "bg", "backgrounds"):
    WORDS[_w] = ("bgword", None)
for _w in ("a", "an", "the", "on", "in", "at", "of", "with", "to", "is", "over",
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
    toks = tokenize(text)
    stream, ignored = [], []  # stream: (kind, value) without fillers
    for i, tok in enumerate(toks):
        kind, val = WORDS.get(tok, ("unknown", tok))
        if kind == "unknown":
            ignored.append(tok)
        if tok in ("left", "right") and i + 1 < len(toks) and toks[i + 1] == "of":
            kind, val = "relation", ("beside", tok == "right", tok)
        if kind != "filler":
            stream.append((kind, val))
    # rule 2a: the first relation word with a shape on both sides splits; the others go
    shapes = [i for i, (k, _) in enumerate(stream) if k == "shape"]
    split = next((i for i, (k, _) in enumerate(stream)
                  if k == "relation" and shapes and shapes[0] < i < shapes[-1]), None)
    kept, at = [], None
    for i, (k, v) in enumerate(stream):
        if k == "relation" and i == split:
            at = len(kept)
        elif k == "relation":
            if v[2]:
                kept.append(("position", v[2]))
            continue
        kept.append((k, v))
    slots = dict.fromkeys(SLOTS)
    colours = [i for i, (k, _) in enumerate(kept) if k == "colour"]
    bg_at = next((i for i in colours if (i > 0 and kept[i - 1][0] == "bgword")
                  or (i + 1 < len(kept) and kept[i + 1][0] == "bgword")), None)
    if at is None:
        if bg_at is not None:
            slots["background"] = kept[bg_at][1]
            rest = [i for i in colours if i != bg_at]
            if rest:
                slots["colour"] = kept[rest[0]][1]
        else:
            if colours:
                slots["colour"] = kept[colours[0]][1]
            if len(colours) > 1:
                slots["background"] = kept[colours[1]][1]
        for kind, val in kept:
            if kind in ("shape", "size", "position") and slots[kind] is None:
                slots[kind] = val
        if any(slots[s] for s in ("colour", "shape", "size", "position")):
            slots["relation"] = "single"
        return slots, ignored
    rel, swap, _ = kept[at][1]
    used = []
    for names, part in zip(OBJECT_SLOTS, (range(0, at), range(at + 1, len(kept)))):
        c = next((i for i in part if kept[i][0] == "colour" and i != bg_at), None)
        if c is not None:
            slots[names[0]] = kept[c][1]
            used.append(c)
        for kind, name in (("shape", names[1]), ("size", names[2])):
            slots[name] = next((kept[i][1] for i in part if kept[i][0] == kind), None)
    if bg_at is None:
        bg_at = next((i for i in colours if i not in used), None)
    if bg_at is not None:
        slots["background"] = kept[bg_at][1]
    if swap:
        for a, b in zip(*OBJECT_SLOTS):
            slots[a], slots[b] = slots[b], slots[a]
    slots["relation"] = rel
    return slots, ignored


def tsv_fields(slots, ignored):
    return [slots[s] or "-" for s in SLOTS] + [",".join(ignored) or "-"]


if __name__ == "__main__":
    s, ig = parse(" ".join(sys.argv[1:]))
    print("\t".join(tsv_fields(s, ig)))
