/* The prompt parser of model/SPEC.md section 2 (a port of model/prompt.py,
 * checked row by row against model/prompts.tsv), and request validation. */
#include <string.h>

#include "app/gen/gen_internal.h"

enum { K_COLOUR, K_SHAPE, K_SIZE, K_POSITION, K_BGWORD, K_FILLER, K_UNKNOWN };

typedef struct {
    const char *word;
    uint8_t kind, value; /* value: the slot index (1-based) */
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
    {"and", K_FILLER, 0},
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

void gen_parse(const char *prompt, gen_parse_t *out)
{
    /* The stream (fillers removed): at most one element per two bytes of prompt.
     */
    struct {
        uint8_t kind, value;
    } st[GEN_PROMPT_MAX / 2 + 1];
    int n = 0;
    memset(out, 0, sizeof *out);
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
        if (!w) {
            if (out->n_ignored < GEN_IGNORED_MAX) {
                size_t m = len < GEN_WORD_MAX - 1 ? len : GEN_WORD_MAX - 1;
                char *dst = out->ignored[out->n_ignored++];
                for (size_t i = 0; i < m; i++)
                    dst[i] = (char)(start[i] | 0x20);
                dst[m] = 0;
            }
            st[n].kind = K_UNKNOWN, st[n++].value = 0;
        } else if (w->kind != K_FILLER) {
            st[n].kind = w->kind, st[n++].value = w->value;
        }
    }
    /* Rule 3 and 4: the first background-marked colour is the background. */
    int bg = -1;
    for (int i = 0; i < n && bg < 0; i++)
        if (st[i].kind == K_COLOUR &&
            ((i > 0 && st[i - 1].kind == K_BGWORD) || (i + 1 < n && st[i + 1].kind == K_BGWORD)))
            bg = i;
    if (bg >= 0) out->slot[4] = st[bg].value;
    int colours = 0;
    for (int i = 0; i < n; i++) {
        if (st[i].kind != K_COLOUR || i == bg) continue;
        if (colours == 0)
            out->slot[0] = st[i].value;
        else if (colours == 1 && bg < 0)
            out->slot[4] = st[i].value;
        colours++;
    }
    /* Rule 5: shape, size and position from the first word of each kind. */
    for (int i = 0; i < n; i++)
        if (st[i].kind >= K_SHAPE && st[i].kind <= K_POSITION && !out->slot[st[i].kind])
            out->slot[st[i].kind] = st[i].value;
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
