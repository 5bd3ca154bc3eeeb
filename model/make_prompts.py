"""Writes model/prompts.tsv: the parser's specification table.

Expected slots come from how each prompt was built (templates filled from known slots)
or were written by hand below, never from running the parser; tests/model checks that
prompt.parse agrees with every row, and the C parser is tested against the same file.
"""
import os
import random

from vocab import COLOURS, SHAPES, SIZES, POSITIONS

SYN_COLOUR = {"purple": ["violet"], "pink": ["magenta", "rose"], "red": ["crimson", "scarlet"],
              "cyan": ["turquoise", "aqua", "teal"], "blue": ["navy"], "green": ["lime"],
              "yellow": ["gold", "golden"], "orange": ["amber"], "white": ["ivory", "snow"],
              "black": ["ebony"]}
SYN_SHAPE = {"circle": ["disc", "disk", "dot", "ball"], "square": ["box", "block"],
             "triangle": ["triangle"], "ring": ["donut", "doughnut", "hoop", "annulus"],
             "cross": ["plus"], "star": ["star"]}
SYN_SIZE = {"small": ["tiny", "little", "mini"], "large": ["big", "huge", "giant", "massive"]}
SYN_POS = {"left": ["left"], "right": ["right"], "top": ["top", "upper"],
           "bottom": ["bottom", "lower"], "center": ["centre", "middle", "centered"]}
POS_PHRASE = ["on the {p}", "at the {p}", "in the {p}", "{p} side"]
BG_PHRASE = ["on a {b} background", "{b} background", "background {b}", "on {b} backdrop",
             "with a {b} bg", "background: {b}", "background color {b}"]

# (prompt, colour, shape, size, position, background, ignored) written by hand
HAND = [
    ("A large red circle on the left, blue background", "red", "circle", "large", "left", "blue", "-"),
    ("a red circle", "red", "circle", "-", "-", "-", "-"),
    ("circle", "-", "circle", "-", "-", "-", "-"),
    ("", "-", "-", "-", "-", "-", "-"),
    ("!!!", "-", "-", "-", "-", "-", "-"),
    ("blue", "blue", "-", "-", "-", "-", "-"),
    ("blue background", "-", "-", "-", "-", "blue", "-"),
    ("a black star on white", "black", "star", "-", "-", "white", "-"),
    ("green on yellow", "green", "-", "-", "-", "yellow", "-"),
    ("Blue background with a small red triangle", "red", "triangle", "small", "-", "blue", "-"),
    ("background blue, red cross", "red", "cross", "-", "-", "blue", "-"),
    ("RED RING, TOP, BLACK BACKGROUND", "red", "ring", "-", "top", "black", "-"),
    ("a shiny red circle", "red", "circle", "-", "-", "-", "shiny"),
    ("a very very big star", "-", "star", "large", "-", "-", "very,very"),
    ("top left star", "-", "star", "-", "top", "-", "-"),
    ("small big circle", "-", "circle", "small", "-", "-", "-"),
    ("red blue green square", "red", "square", "-", "-", "blue", "-"),
    ("red square, green background, blue", "red", "square", "-", "-", "green", "-"),
    ("a square on a red-ish background", "red", "square", "-", "-", "-", "ish"),
    ("a red-ish square", "red", "square", "-", "-", "-", "ish"),
    ("yellow background, yellow circle", "yellow", "circle", "-", "-", "yellow", "-"),
    ("the background is pink", "-", "-", "-", "-", "pink", "-"),
    ("a pink backdrop and a cyan hoop", "cyan", "ring", "-", "-", "pink", "-"),
    ("bg:black; fg: white star", "white", "star", "-", "-", "black", "fg"),
    ("3 red circles!", "red", "circle", "-", "-", "-", "-"),
    ("une étoile rouge", "-", "-", "-", "-", "-", "une,toile,rouge"),
    ("draw me a purple box in the middle please", "purple", "square", "-", "center", "-", "me"),
    ("Tiny violet doughnut, lower side, white background.", "purple", "ring", "small", "bottom", "white", "-"),
    ("centre: a huge orange plus over a navy background", "orange", "cross", "large", "center", "blue", "-"),
    ("an image of a small green star against black", "green", "star", "small", "-", "black", "-"),
    ("a cat", "-", "-", "-", "-", "-", "cat"),
    ("a dog on a blue background", "-", "-", "-", "-", "blue", "dog"),
    ("star star star", "-", "star", "-", "-", "-", "-"),
    ("right left", "-", "-", "-", "right", "-", "-"),
    ("backdrop", "-", "-", "-", "-", "-", "-"),
    ("white bg black dot", "black", "circle", "-", "-", "white", "-"),
    ("black white bg dot", "black", "circle", "-", "-", "white", "-"),
    ("on red, a blue ring", "red", "ring", "-", "-", "blue", "-"),
    ("background of teal, golden triangle at the bottom", "yellow", "triangle", "-", "bottom", "cyan", "-"),
    ("a   large\tscarlet\ndisk", "red", "circle", "large", "-", "-", "-"),
    ("cross-shaped lime thing", "green", "cross", "-", "-", "-", "thing"),
    ("a red and blue background", "red", "-", "-", "-", "blue", "-"),
    ("colour: ivory; shape: annulus; size: little; position: upper", "white", "ring", "small", "top", "-", "size,position"),
]


# two objects (prompt, colour, shape, size, position, background, colour2, shape2, size2,
# relation, ignored), written by hand; the first object is the left / top one
HAND2 = [
    ("a red circle left of a blue square", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a blue square right of a red circle", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a red circle and a blue square", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a small star above a large yellow ring, black background", "-", "star", "small", "-", "black", "yellow", "ring", "large", "above", "-"),
    ("a green cross below a white triangle on a pink backdrop", "white", "triangle", "-", "-", "pink", "green", "cross", "-", "above", "-"),
    ("red circle under blue square, white", "blue", "square", "-", "-", "white", "red", "circle", "-", "above", "-"),
    ("a tiny cyan dot beneath a huge orange box", "orange", "square", "large", "-", "-", "cyan", "circle", "small", "above", "-"),
    ("a star beside a ring", "-", "star", "-", "-", "-", "-", "ring", "-", "beside", "-"),
    ("a circle and a square on a green background", "-", "circle", "-", "-", "green", "-", "square", "-", "beside", "-"),
    ("black background, a white star left of a red star", "white", "star", "-", "-", "black", "red", "star", "-", "beside", "-"),
    ("on the left a red circle and a blue square", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a red circle and a blue square and a green star", "red", "circle", "-", "-", "green", "blue", "square", "-", "beside", "-"),
    ("a red circle left of a blue square right of a star", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a shiny red ring above a dull blue cross", "red", "ring", "-", "-", "-", "blue", "cross", "-", "above", "shiny,dull"),
    ("RED CIRCLE LEFT OF BLUE SQUARE", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("red circle left-of blue square", "red", "circle", "-", "-", "-", "blue", "square", "-", "beside", "-"),
    ("a red circle left of", "red", "circle", "-", "left", "-", "-", "-", "-", "single", "-"),
    ("left of a red circle", "red", "circle", "-", "left", "-", "-", "-", "-", "single", "-"),
    ("a red star to the left of the image", "red", "star", "-", "left", "-", "-", "-", "-", "single", "-"),
    ("a star above", "-", "star", "-", "-", "-", "-", "-", "-", "single", "-"),
    ("above below and beside", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"),
    ("a red circle above the blue background", "red", "circle", "-", "-", "blue", "-", "-", "-", "single", "-"),
    ("a big red star on the right and a small blue star", "red", "star", "large", "-", "-", "blue", "star", "small", "beside", "-"),
    ("green: a yellow circle above a yellow square", "green", "circle", "-", "-", "yellow", "yellow", "square", "-", "above", "-"),
    ("green background: a yellow circle above a yellow square", "yellow", "circle", "-", "-", "green", "yellow", "square", "-", "above", "-"),
    ("a yellow circle above a purple square, red, blue", "yellow", "circle", "-", "-", "red", "purple", "square", "-", "above", "-"),
    ("pink bg, a blue star right of a white cross", "white", "cross", "-", "-", "pink", "blue", "star", "-", "beside", "-"),
]
RELATION_PHRASE = {("beside", False): ["left of", "and", "beside", "to the left of"],
                   ("beside", True): ["right of", "to the right of"],
                   ("above", False): ["above"], ("above", True): ["below", "under", "beneath"]}


def object_words(rng, c, s, z, use_c, use_z):
    cw = rng.choice([c] + SYN_COLOUR[c]) if use_c else None
    sw = rng.choice([s] + SYN_SHAPE[s])
    zw = rng.choice([z] + SYN_SIZE[z]) if use_z else None
    noun = " ".join(w for w in (zw, cw, sw) if w)
    return rng.choice(["a ", "the ", "", "an " if noun[0] in "aeiou" else "a "]) + noun


def generated2(rng, n):
    """Two-object prompts built from known slots; the expected first object is the left / top
    one whatever the order of the words."""
    rows = []
    for _ in range(n):
        b = rng.choice(COLOURS)
        objs = []
        for _k in range(2):
            c = rng.choice([x for x in COLOURS if x != b])
            objs.append((c, rng.choice(SHAPES), rng.choice(SIZES), rng.random() < 0.8, rng.random() < 0.6))
        rel, swap = rng.choice(list(RELATION_PHRASE))
        use_b = rng.random() < 0.75
        text = (object_words(rng, *objs[0][:3], *objs[0][3:]) + " " + rng.choice(RELATION_PHRASE[(rel, swap)])
                + " " + object_words(rng, *objs[1][:3], *objs[1][3:]))
        if use_b:
            bp = rng.choice(BG_PHRASE).format(b=rng.choice([b] + SYN_COLOUR[b]))
            text = (bp + ", " + text) if rng.random() < 0.3 else (text + rng.choice([", ", " "]) + bp)
        if rng.random() < 0.15:
            text = text.upper()
        first, second = (objs[1], objs[0]) if swap else (objs[0], objs[1])
        fields = []
        for c, s, z, use_c, use_z in (first, second):
            fields += [c if use_c else "-", s, z if use_z else "-"]
        rows.append((text, fields[0], fields[1], fields[2], "-", b if use_b else "-",
                     fields[3], fields[4], fields[5], rel, "-"))
    return rows


def widen(row):
    """A one-object row in the nine-slot layout: no second object; relation single when the
    row names any of the object's slots."""
    text, c, s, z, p, b, ig = row
    return (text, c, s, z, p, b, "-", "-", "-", "single" if (c, s, z, p) != ("-",) * 4 else "-", ig)


def generated(rng, n):
    rows = []
    for _ in range(n):
        c, b = rng.sample(COLOURS, 2)
        s, z, p = rng.choice(SHAPES), rng.choice(SIZES), rng.choice(POSITIONS)
        use = {k: rng.random() < 0.75 for k in ("c", "z", "p", "b")}
        cw = rng.choice([c] + SYN_COLOUR[c]) if use["c"] else None
        sw = rng.choice([s] + SYN_SHAPE[s])
        zw = rng.choice([z] + SYN_SIZE[z]) if use["z"] else None
        pw = rng.choice([p] + SYN_POS[p]) if use["p"] else None
        bw = rng.choice([b] + SYN_COLOUR[b]) if use["b"] else None
        noun = " ".join(w for w in (zw, cw, sw) if w)
        parts = [rng.choice(["a ", "the ", "", "an " if noun[0] in "aeiou" else "a "]) + noun]
        if pw:
            parts.append(rng.choice(POS_PHRASE).format(p=pw))
        if bw:
            parts.append(rng.choice(BG_PHRASE).format(b=bw))
        head = parts[0]
        tail = parts[1:]
        rng.shuffle(tail)
        order = rng.random()
        if order < 0.2 and tail:  # a modifier phrase first
            words = [tail[0], head] + tail[1:]
        else:
            words = [head] + tail
        text = rng.choice([", ", " ", "; ", ", "]).join(words)
        style = rng.random()
        if style < 0.15:
            text = text.upper()
        elif style < 0.35:
            text = text[0].upper() + text[1:] + rng.choice([".", "!", ""])
        rows.append((text, c if cw else "-", s, z if zw else "-", p if pw else "-",
                     b if bw else "-", "-"))
    return rows


def main():
    rng = random.Random(4)
    rows = [widen(r) for r in HAND + generated(rng, 110)] + HAND2 + generated2(random.Random(21), 60)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts.tsv")
    with open(path, "w") as f:
        f.write("# prompt\tcolour\tshape\tsize\tposition\tbackground\tcolour2\tshape2\tsize2\trelation"
                "\tignored (generated by model/make_prompts.py)\n")
        for r in rows:
            f.write("\t".join(r[0].replace("\t", "\\t").replace("\n", "\\n") if i == 0 else r[i]
                              for i in range(11)) + "\n")
    print(f"{len(rows)} rows -> {path}")


if __name__ == "__main__":
    main()
