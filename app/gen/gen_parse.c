/* The prompt parser of model/SPEC.md section 2 (a port of model/prompt.py,
 * checked row by row against model/prompts.tsv), and request validation. */
#include <string.h>

#include "app/gen/gen_internal.h"

/* K_SHAPE..K_POSITION equal their slot numbers (GEN_SLOT_*) */
enum { K_COLOUR, K_SHAPE, K_SIZE, K_POSITION, K_BGWORD, K_REL, K_FILLER, K_UNKNOWN };

/* A relation word's value: the relation (GEN_REL_*), plus R_SWAP when the words name the
 * second object first ("right of", "below"). */
#define R_SWAP 0x10

typedef struct {
    const char *word;
    uint8_t kind, value; /* value: the slot index (1-based), or a relation */
} word_t;

/* colours: red orange yellow green cyan blue purple pink white black = 1..10 */
static const word_t words[] = {
    {"red", K_COLOUR, 1},
    {"orange", K_COLOUR, 2},
    {"yellow", K_COLOUR, 3},
    {"green", K_COLOUR, 4},
    {"cyan", K_COLOUR, 5},
    {"blue", K_COLOUR, 6},
    {"purple", K_COLOUR, 7},
    {"pink", K_COLOUR, 8},
    {"white", K_COLOUR, 9},
    {"black", K_COLOUR, 10},
    {"violet", K_COLOUR, 7},
    {"magenta", K_COLOUR, 8},
    {"crimson", K_COLOUR, 1},
    {"scarlet", K_COLOUR, 1},
    {"turquoise", K_COLOUR, 5},
    {"aqua", K_COLOUR, 5},
    {"teal", K_COLOUR, 5},
    {"navy", K_COLOUR, 6},
    {"lime", K_COLOUR, 4},
    {"gold", K_COLOUR, 3},
    {"golden", K_COLOUR, 3},
    {"amber", K_COLOUR, 2},
    {"rose", K_COLOUR, 8},
    {"ivory", K_COLOUR, 9},
    {"snow", K_COLOUR, 9},
    {"ebony", K_COLOUR, 10},
    /* shapes: circle square triangle ring cross star = 1..6 */
    {"circle", K_SHAPE, 1},
    {"circles", K_SHAPE, 1},
    {"disc", K_SHAPE, 1},
    {"disk", K_SHAPE, 1},
    {"dot", K_SHAPE, 1},
    {"ball", K_SHAPE, 1},
    {"square", K_SHAPE, 2},
    {"squares", K_SHAPE, 2},
    {"box", K_SHAPE, 2},
    {"block", K_SHAPE, 2},
    {"triangle", K_SHAPE, 3},
    {"triangles", K_SHAPE, 3},
    {"ring", K_SHAPE, 4},
    {"rings", K_SHAPE, 4},
    {"donut", K_SHAPE, 4},
    {"doughnut", K_SHAPE, 4},
    {"hoop", K_SHAPE, 4},
    {"annulus", K_SHAPE, 4},
    {"cross", K_SHAPE, 5},
    {"crosses", K_SHAPE, 5},
    {"plus", K_SHAPE, 5},
    {"star", K_SHAPE, 6},
    {"stars", K_SHAPE, 6},
    /* sizes: small large = 1..2 */
    {"small", K_SIZE, 1},
    {"tiny", K_SIZE, 1},
    {"little", K_SIZE, 1},
    {"mini", K_SIZE, 1},
    {"smaller", K_SIZE, 1},
    {"large", K_SIZE, 2},
    {"big", K_SIZE, 2},
    {"huge", K_SIZE, 2},
    {"giant", K_SIZE, 2},
    {"bigger", K_SIZE, 2},
    {"larger", K_SIZE, 2},
    {"massive", K_SIZE, 2},
    /* positions: left right top bottom center = 1..5 */
    {"left", K_POSITION, 1},
    {"right", K_POSITION, 2},
    {"top", K_POSITION, 3},
    {"upper", K_POSITION, 3},
    {"bottom", K_POSITION, 4},
    {"lower", K_POSITION, 4},
    {"center", K_POSITION, 5},
    {"centre", K_POSITION, 5},
    {"middle", K_POSITION, 5},
    {"centered", K_POSITION, 5},
    {"centred", K_POSITION, 5},
    {"central", K_POSITION, 5},
    {"and", K_REL, GEN_REL_BESIDE},
    {"beside", K_REL, GEN_REL_BESIDE},
    {"above", K_REL, GEN_REL_ABOVE},
    {"below", K_REL, GEN_REL_ABOVE | R_SWAP},
    {"under", K_REL, GEN_REL_ABOVE | R_SWAP},
    {"beneath", K_REL, GEN_REL_ABOVE | R_SWAP},
    {"background", K_BGWORD, 0},
    {"backdrop", K_BGWORD, 0},
    {"bg", K_BGWORD, 0},
    {"backgrounds", K_BGWORD, 0},
    {"a", K_FILLER, 0},
    {"an", K_FILLER, 0},
    {"the", K_FILLER, 0},
    {"on", K_FILLER, 0},
    {"in", K_FILLER, 0},
    {"at", K_FILLER, 0},
    {"of", K_FILLER, 0},
    {"with", K_FILLER, 0},
    {"to", K_FILLER, 0},
    {"is", K_FILLER, 0},
    {"over", K_FILLER, 0},
    {"against", K_FILLER, 0},
    {"side", K_FILLER, 0},
    {"shape", K_FILLER, 0},
    {"shaped", K_FILLER, 0},
    {"one", K_FILLER, 0},
    {"color", K_FILLER, 0},
    {"colour", K_FILLER, 0},
    {"colored", K_FILLER, 0},
    {"coloured", K_FILLER, 0},
    {"please", K_FILLER, 0},
    {"draw", K_FILLER, 0},
    {"picture", K_FILLER, 0},
    {"image", K_FILLER, 0},
    {"its", K_FILLER, 0},
    {"it", K_FILLER, 0},
    {"has", K_FILLER, 0},
    {"some", K_FILLER, 0},
};

const char *gen_vocab_word(unsigned i, const char **slot)
{
    static const char *const slots[] = {"colour",     "shape",  "size",   "position",
                                        "background", "filler", "unknown"};
    if (i >= sizeof words / sizeof words[0]) return NULL;
    *slot = slots[words[i].kind];
    return words[i].word;
}

#define TOKEN_MAX 16 /* longer than any table word: such a token is unknown */

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static const word_t *lookup(const char *tok, size_t n)
{
    if (n >= TOKEN_MAX) return NULL;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && memcmp(words[i].word, tok, n) == 0) return &words[i];
    return NULL;
}

typedef struct {
    uint8_t kind, value;
    uint8_t pos; /* K_REL from "left of" / "right of": the position it is when unused */
} elem_t;

static int is_marked(const elem_t *st, int n, int i)
{
    return st[i].kind == K_COLOUR &&
           ((i > 0 && st[i - 1].kind == K_BGWORD) || (i + 1 < n && st[i + 1].kind == K_BGWORD));
}

/* Rules 2 and 3: tokens into the stream (fillers removed); returns its length. */
static int tokens(const char *prompt, elem_t *st, gen_parse_t *out)
{
    int n = 0, lr_at = -1; /* lr_at: the stream index of a "left"/"right" just before */
    const char *p = prompt;
    while (*p && p - prompt < GEN_PROMPT_MAX) {
        if (!is_letter(*p)) {
            p++;
            continue;
        }
        char tok[TOKEN_MAX];
        size_t len = 0;
        const char *start = p;
        for (; *p && p - prompt < GEN_PROMPT_MAX && is_letter(*p); p++, len++)
            if (len < TOKEN_MAX) tok[len] = (char)(*p | 0x20); /* ASCII lowercase */
        const word_t *w = lookup(tok, len);
        int was_lr = lr_at;
        lr_at = -1;
        if (!w) {
            if (out->n_ignored < GEN_IGNORED_MAX) {
                size_t m = len < GEN_WORD_MAX - 1 ? len : GEN_WORD_MAX - 1;
                char *dst = out->ignored[out->n_ignored++];
                for (size_t i = 0; i < m; i++)
                    dst[i] = (char)(start[i] | 0x20);
                dst[m] = 0;
            }
            st[n++] = (elem_t){K_UNKNOWN, 0, 0};
        } else if (was_lr >= 0 && len == 2 && memcmp(tok, "of", 2) == 0) {
            /* "left of" / "right of": positions 1 and 2 */
            uint8_t pos = st[was_lr].value;
            st[was_lr] = (elem_t){K_REL, (uint8_t)(GEN_REL_BESIDE | (pos == 2 ? R_SWAP : 0)), pos};
        } else if (w->kind != K_FILLER) {
            if (w->kind == K_POSITION && w->value <= 2 && len == (w->value == 1 ? 4u : 5u))
                lr_at = n; /* the words "left" and "right" themselves */
            st[n++] = (elem_t){w->kind, w->value, 0};
        }
    }
    return n;
}

void gen_parse(const char *prompt, gen_parse_t *out)
{
    /* The stream: at most one element per two bytes of prompt. */
    elem_t st[GEN_PROMPT_MAX / 2 + 1];
    memset(out, 0, sizeof *out);
    int n = tokens(prompt, st, out);
    /* Rule 2a: the first relation word with shapes before and after it splits. */
    int first_shape = -1, last_shape = -1, split = -1;
    for (int i = 0; i < n; i++)
        if (st[i].kind == K_SHAPE) {
            if (first_shape < 0) first_shape = i;
            last_shape = i;
        }
    for (int i = first_shape + 1; first_shape >= 0 && i < last_shape && split < 0; i++)
        if (st[i].kind == K_REL) split = i;
    int m = 0, at = -1; /* the other relation words go, or are positions again */
    for (int i = 0; i < n; i++) {
        if (st[i].kind == K_REL && i != split) {
            if (st[i].pos) st[m++] = (elem_t){K_POSITION, st[i].pos, 0};
            continue;
        }
        if (i == split) at = m;
        st[m++] = st[i];
    }
    n = m;
    /* Rule 3: the first background-marked colour is the background. */
    int bg = -1;
    for (int i = 0; i < n && bg < 0; i++)
        if (is_marked(st, n, i)) bg = i;
    uint8_t *slot = out->slot;
    if (at < 0) {
        /* Rules 4 and 5: one object. */
        if (bg >= 0) slot[GEN_SLOT_BACKGROUND] = st[bg].value;
        int colours = 0;
        for (int i = 0; i < n; i++) {
            if (st[i].kind != K_COLOUR || i == bg) continue;
            if (colours == 0)
                slot[GEN_SLOT_COLOUR] = st[i].value;
            else if (colours == 1 && bg < 0)
                slot[GEN_SLOT_BACKGROUND] = st[i].value;
            colours++;
        }
        for (int i = 0; i < n; i++)
            if (st[i].kind >= K_SHAPE && st[i].kind <= K_POSITION && !slot[st[i].kind])
                slot[st[i].kind] = st[i].value;
        if (slot[GEN_SLOT_COLOUR] || slot[GEN_SLOT_SHAPE] || slot[GEN_SLOT_SIZE] ||
            slot[GEN_SLOT_POSITION])
            slot[GEN_SLOT_RELATION] = GEN_REL_SINGLE;
        return;
    }
    /* Rule 6: two objects, one from each part. */
    int used[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        int lo = k ? at + 1 : 0, hi = k ? n : at, base = k ? GEN_SLOT_COLOUR2 : GEN_SLOT_COLOUR;
        for (int i = lo; i < hi; i++) {
            if (st[i].kind == K_COLOUR && i != bg && used[k] < 0) {
                used[k] = i;
                slot[base] = st[i].value;
            }
            if ((st[i].kind == K_SHAPE || st[i].kind == K_SIZE) && !slot[base + st[i].kind])
                slot[base + st[i].kind] = st[i].value;
        }
    }
    for (int i = 0; i < n && bg < 0; i++)
        if (st[i].kind == K_COLOUR && i != used[0] && i != used[1]) bg = i;
    if (bg >= 0) slot[GEN_SLOT_BACKGROUND] = st[bg].value;
    if (st[at].value & R_SWAP)
        for (int i = 0; i < 3; i++) {
            uint8_t a = slot[GEN_SLOT_COLOUR + i];
            slot[GEN_SLOT_COLOUR + i] = slot[GEN_SLOT_COLOUR2 + i];
            slot[GEN_SLOT_COLOUR2 + i] = a;
        }
    slot[GEN_SLOT_RELATION] = st[at].value & ~R_SWAP;
}

static int bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n])
        n++;
    return n < cap ? (int)n : -1;
}

int gen_validate(const gen_request_t *r, const char **field, const char **message)
{
    int n = bounded_len(r->prompt, GEN_PROMPT_MAX);
    int blank = 1;
    for (int i = 0; i < n; i++)
        if (r->prompt[i] != ' ' && r->prompt[i] != '\t' && r->prompt[i] != '\n' &&
            r->prompt[i] != '\r')
            blank = 0;
    if (n < 0 || blank) {
        *field = "prompt";
        *message = n < 0 ? "must be at most 255 bytes" : "must not be empty";
        return -1;
    }
    if (bounded_len(r->negative, GEN_PROMPT_MAX) < 0) {
        *field = "negative_prompt";
        *message = "must be at most 255 bytes";
        return -1;
    }
    if (r->steps < GEN_STEPS_MIN || r->steps > GEN_STEPS_MAX) {
        *field = "num_inference_steps";
        *message = "must be an integer from 1 to 100";
        return -1;
    }
    if (r->guidance10 < GEN_GUIDANCE_MIN || r->guidance10 > GEN_GUIDANCE_MAX) {
        *field = "guidance_scale";
        *message = "must be a number from 1.0 to 20.0";
        return -1;
    }
    return 0;
}
