/* The C prompt parser against every row of model/prompts.tsv (the table the Python parser
 * is tested with), and a few properties of its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_gen_util.h"

/* model/vocab.py's names per slot, in the columns' order */
static const char *const names[GEN_NSLOTS][11] = {
    {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black"},
    {"circle", "square", "triangle", "ring", "cross", "star"},
    {"small", "large"},
    {"left", "right", "top", "bottom", "center"},
    {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black"},
    {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "white", "black"},
    {"circle", "square", "triangle", "ring", "cross", "star"},
    {"small", "large"},
    {"single", "beside", "above"},
};
#define NCOL (GEN_NSLOTS + 2) /* prompt, the slots, ignored */

static int slot_index(int s, const char *name)
{
    if (strcmp(name, "-") == 0) return 0;
    for (int i = 0; names[s][i]; i++)
        if (strcmp(names[s][i], name) == 0) return i + 1;
    return -1;
}

/* The prompt column spells tab and newline as \t and \n. */
static void unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        if (in[0] == '\\' && (in[1] == 't' || in[1] == 'n')) {
            out[n++] = in[1] == 't' ? '\t' : '\n';
            in++;
        } else {
            out[n++] = *in;
        }
    }
    out[n] = 0;
}

static void every_row_of_prompts_tsv(void **state)
{
    (void)state;
    const char *path = getenv("GEN_PROMPTS_TSV");
    FILE *f = fopen(path ? path : "model/prompts.tsv", "r");
    assert_non_null(f);
    char line[1024];
    int rows = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || line[0] == 0) continue;
        char *col[NCOL];
        int n = 0;
        for (char *p = line; n < NCOL; n++) {
            col[n] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                n++;
                break;
            }
            *tab = 0;
            p = tab + 1;
        }
        assert_int_equal(n, NCOL);
        char prompt[GEN_PROMPT_MAX];
        unescape(col[0], prompt, sizeof prompt);
        gen_parse_t got;
        gen_parse(prompt, &got);
        char ign[512] = "";
        for (int i = 0; i < got.n_ignored; i++) {
            if (i) strcat(ign, ",");
            strcat(ign, got.ignored[i]);
        }
        int ok = strcmp(ign[0] ? ign : "-", col[NCOL - 1]) == 0;
        for (int s = 0; s < GEN_NSLOTS; s++)
            ok &= got.slot[s] == slot_index(s, col[1 + s]);
        if (!ok) {
            char gs[64] = "", ws[256] = "";
            for (int s = 0; s < GEN_NSLOTS; s++) {
                snprintf(gs + strlen(gs), sizeof gs - strlen(gs), " %d", got.slot[s]);
                snprintf(ws + strlen(ws), sizeof ws - strlen(ws), " %s", col[1 + s]);
            }
            print_message("row %d '%s': got%s [%s], want%s [%s]\n", rows, col[0], gs, ign, ws,
                          col[NCOL - 1]);
            bad++;
        }
        rows++;
    }
    fclose(f);
    print_message("%d rows of model/prompts.tsv\n", rows);
    assert_true(rows >= 100);
    assert_int_equal(bad, 0);
}

static void bounds(void **state)
{
    (void)state;
    gen_parse_t p;
    /* More unknown words than are reported: the first GEN_IGNORED_MAX, in order. */
    gen_parse("zz1 yy2 xx3 ww4 vv5 uu6 tt7 ss8 rr9 qq red", &p);
    assert_int_equal(p.n_ignored, GEN_IGNORED_MAX);
    assert_string_equal(p.ignored[0], "zz");
    assert_int_equal(p.slot[0], 1);
    /* A long unknown word is cut to GEN_WORD_MAX - 1 bytes. */
    gen_parse("Supercalifragilisticexpialidocious star", &p);
    assert_int_equal(p.n_ignored, 1);
    assert_int_equal(strlen(p.ignored[0]), GEN_WORD_MAX - 1);
    assert_int_equal(p.slot[1], 6);
    /* A word longer than any table word but starting with one is unknown. */
    gen_parse("circlecirclecirclecircle", &p);
    assert_int_equal(p.slot[1], 0);
    /* The longest prompt, all letters, and all separators. */
    char s[GEN_PROMPT_MAX];
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = 0;
    gen_parse(s, &p);
    assert_int_equal(p.n_ignored, 1);
    for (size_t i = 0; i < sizeof s - 1; i++)
        s[i] = i % 2 ? ' ' : 'q';
    gen_parse(s, &p);
    assert_int_equal(p.n_ignored, GEN_IGNORED_MAX);
    gen_parse("", &p);
    for (int i = 0; i < GEN_NSLOTS; i++)
        assert_int_equal(p.slot[i], 0);
    /* UTF-8 bytes separate tokens. */
    gen_parse("r\xc3\xa9"
              "d blue\xe2\x80\x94"
              "background",
              &p);
    assert_int_equal(p.slot[4], 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_of_prompts_tsv),
        cmocka_unit_test(bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
