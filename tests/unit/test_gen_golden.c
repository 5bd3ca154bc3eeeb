/* The engine against model/golden (written by model/golden.py from the integer
 * reference): the parse, the initial noise, every tensor of the first forward,
 * x and x0 after every step and the final pixels, bit for bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_gen_util.h"

typedef struct {
    const char *json;
    int n, bad, step;
    char first_bad[64];
} check_t;

/* Each traced hash against the golden file; x and x0 per step, the rest by
 * name. */
static void on_trace(void *ctx, const char *name, uint32_t fnv)
{
    check_t *c = ctx;
    uint32_t want = 0;
    char s[16];
    if (strcmp(name, "noise") == 0) {
        want = json_hex32(c->json, "noise_fnv");
    } else if (strcmp(name, "clean") == 0) {
        want = json_hex32(c->json, "x_clean_fnv");
    } else if (strcmp(name, "x") == 0 || strcmp(name, "x0") == 0) {
        const char *key = name[1] ? "x0_after_step_fnv" : "x_after_step_fnv";
        if (json_item(c->json, key, c->step, s, sizeof s)) want = (uint32_t)strtoul(s, NULL, 16);
        if (name[1]) c->step++;
    } else {
        want = json_hex32(c->json, name);
    }
    c->n++;
    if (fnv != want) {
        if (!c->bad)
            snprintf(c->first_bad, sizeof c->first_bad, "%s (step %d): %08x, want %08x", name,
                     c->step, fnv, want);
        c->bad++;
    }
}

static void golden_case(int i)
{
    const char *json = golden_read(i);
    assert_non_null(json);
    char prompt[GEN_PROMPT_MAX], negative[GEN_PROMPT_MAX], s[64];
    json_string(json_at(json, "prompt"), prompt, sizeof prompt);
    json_string(json_at(json, "negative"), negative, sizeof negative);
    gen_request_t r;
    make_request(&r, prompt, negative, (int)json_int(json, "steps"),
                 (int)json_int(json, "guidance_tenths"), (uint32_t)json_int(json, "seed"));
    r.preview = 1;

    /* The parse: slot indices and ignored words. */
    gen_parse_t pc, pu;
    gen_parse(prompt, &pc);
    gen_parse(negative, &pu);
    for (int k = 0; k < GEN_NSLOTS; k++) {
        assert_true(json_item(json, "cond", k, s, sizeof s));
        assert_int_equal(pc.slot[k], atoi(s));
        assert_true(json_item(json, "uncond", k, s, sizeof s));
        assert_int_equal(pu.slot[k], atoi(s));
    }
    int n_ign = 0;
    while (json_item(json, "ignored", n_ign, s, sizeof s)) {
        assert_string_equal(pc.ignored[n_ign], s);
        n_ign++;
    }
    assert_int_equal(pc.n_ignored, n_ign);

    check_t c = {.json = json};
    gen_debug_trace(on_trace, &c);
    int slices = run_to_end(&r, NULL);
    gen_debug_trace(NULL, NULL);
    assert_true(slices > 0);
    /* noise, 3 condition tensors, the layers, v, then x and x0 per step, then the clean-up */
    print_message("case%d: %d hashes, %d slices%s%s\n", i, c.n, slices, c.bad ? ", first bad " : "",
                  c.first_bad);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.n, 1 + 3 + 10 + 1 + 2 * r.steps + 1);
    assert_int_equal(c.step, r.steps);

    char hex[2 * GEN_RGB_SIZE + 1];
    json_string(json_at(json, "pixels_hex"), hex, sizeof hex);
    assert_int_equal(strlen(hex), 2 * GEN_RGB_SIZE);
    const uint8_t *px = gen_image_rgb();
    int diff = 0;
    for (int k = 0; k < GEN_RGB_SIZE; k++)
        diff += px[k] != (uint8_t)strtoul((char[3]){hex[2 * k], hex[2 * k + 1], 0}, NULL, 16);
    assert_int_equal(diff, 0);
    assert_int_equal(gen_fnv1a(GEN_FNV_INIT, px, GEN_RGB_SIZE), json_hex32(json, "pixels_fnv"));
    /* After the clean-up the preview is the final picture. */
    assert_memory_equal(gen_preview_rgb(), px, GEN_RGB_SIZE);
}

/* model/golden.py writes one case file per entry of its CASES: 7. */
#define GOLDEN_CASES 7

/* One test per case file. A missing file fails (run /usr/bin/python3 model/golden.py). */
static void golden_test(void **state)
{
    int i = *(int *)*state;
    if (!golden_read(i)) fail_msg("model/golden/case%d.json is missing", i);
    golden_case(i);
}

/* A case that golden.py gained must get a test here too, not sit unread. */
static void no_unchecked_case_files(void **state)
{
    (void)state;
    if (golden_read(GOLDEN_CASES))
        fail_msg("model/golden/case%d.json exists: raise GOLDEN_CASES", GOLDEN_CASES);
}

/* The plain C kernel (what the Cortex-M4 runs, SMLAD aside) gives the same bytes. */
static void portable_kernel(void **state)
{
    (void)state;
    gen_debug_portable_kernel(1);
    for (int i = 0; i < 4; i++)
        golden_case(i);
    gen_debug_portable_kernel(0);
}

int main(void)
{
    static int idx[GOLDEN_CASES] = {0, 1, 2, 3, 4, 5, 6};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(golden_test, &idx[0]),
        cmocka_unit_test_prestate(golden_test, &idx[1]),
        cmocka_unit_test_prestate(golden_test, &idx[2]),
        cmocka_unit_test_prestate(golden_test, &idx[3]),
        cmocka_unit_test_prestate(golden_test, &idx[4]),
        cmocka_unit_test_prestate(golden_test, &idx[5]), /* two objects */
        cmocka_unit_test_prestate(golden_test, &idx[6]), /* two objects */
        cmocka_unit_test(no_unchecked_case_files),
        cmocka_unit_test(portable_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
