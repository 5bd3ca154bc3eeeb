/* The generator as the superloop drives it: the slice budget is never exceeded and does
 * not change the bytes, the same request gives the same bytes, seeds matter, guidance 1.0
 * skips the unconditional forward, and invalid requests are refused before any work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app/gen/gen_config.h"
#include "app/gen/gen_internal.h"
#include "app/gen/model_data.h"
#include "test_gen_util.h"

static void image_with_budget(const gen_request_t *r, uint32_t budget, uint8_t *rgb, int *slices)
{
    assert_int_equal(gen_set_slice_budget(budget), 0);
    uint32_t longest = 0;
    *slices = run_to_end(r, &longest);
    assert_true(*slices > 0);
    assert_true(longest <= (budget ? budget : GEN_SLICE_BUDGET));
    assert_true(gen_longest_slice_macs() <= (budget ? budget : GEN_SLICE_BUDGET));
    memcpy(rgb, gen_image_rgb(), GEN_RGB_SIZE);
    assert_int_equal(gen_set_slice_budget(0), 0);
}

static void budget_honoured_and_bytes_the_same(void **state)
{
    (void)state;
    gen_request_t r;
    make_request(&r, "a small cyan star at the top, black background", "green", 2, 65, 99);
    uint8_t a[GEN_RGB_SIZE], b[GEN_RGB_SIZE], c[GEN_RGB_SIZE];
    int na, nb, nc;
    uint32_t unit = gen_debug_unit_max();
    assert_true(unit > 0 && unit <= GEN_UNIT_MAX_MACS && unit <= GEN_SLICE_BUDGET);
    image_with_budget(&r, 0, a, &na);
    image_with_budget(&r, unit, b, &nb);
    image_with_budget(&r, 1000003, c, &nc);
    print_message("slices: %d (default budget), %d (%u MACs), %d (1000003 MACs)\n", na, nb, unit,
                  nc);
    assert_true(nb > na && na > nc);
    assert_memory_equal(a, b, GEN_RGB_SIZE);
    assert_memory_equal(a, c, GEN_RGB_SIZE);
    /* Below the largest unit a slice could not make progress: refused, budget kept. */
    assert_int_equal(gen_set_slice_budget(unit - 1), -1);
    image_with_budget(&r, 0, b, &nb);
    assert_int_equal(nb, na);
}

static void macs_per_step_and_guidance_one(void **state)
{
    (void)state;
    gen_request_t r;
    const uint64_t fwd = MD_MACS + MD_COND_MACS;
    make_request(&r, "red ring", "", 3, 10, 5);
    assert_true(run_to_end(&r, NULL) > 0);
    /* one forward per step, and the clean-up forward after the last */
    assert_int_equal(gen_debug_total_macs(), (3 + 1) * fwd);
    /* 10 steps: one (t = 199) falls inside the guidance interval, the others do not */
    const int steps = 10;
    make_request(&r, "red ring", "", steps, 11, 5);
    assert_true(run_to_end(&r, NULL) > 0);
    uint64_t guided = 0; /* guided steps take two forwards */
    for (int i = 0; i < steps; i++)
        guided += (uint64_t)gs_guided(gs_timestep(i, steps));
    assert_true(guided >= 1 && guided < (uint64_t)steps);
    assert_int_equal(gen_debug_total_macs(), ((uint64_t)steps + guided + 1) * fwd);
}

/* GEN_PROFILE: every MAC of the image is charged to one kernel, each kernel's MACs are the
 * layer table's (one forward per step here, and the clean-up), and every region has time. */
static void profile_charges_every_mac_once(void **state)
{
    (void)state;
    if (!GEN_PROFILE) skip();
    gen_request_t r;
    make_request(&r, "red ring", "", 2, 10, 5);
    assert_true(run_to_end(&r, NULL) > 0);
    uint64_t conv3 = 0, conv3s2 = 0, conv1 = 0;
    for (int l = 0; l < MD_NLAYERS; l++) {
        const int32_t *f = md_layers + l * MD_LAYER_FIELDS;
        uint64_t m = (uint64_t)f[MD_L_CIN] * f[MD_L_K] * f[MD_L_K] * f[MD_L_HW_OUT] *
                     f[MD_L_HW_OUT] * f[MD_L_COUT];
        if (f[MD_L_K] == 1)
            conv1 += m;
        else if (f[MD_L_STRIDE] == 1)
            conv3 += m;
        else
            conv3s2 += m;
    }
    const int forwards = 2 + 1;
    assert_int_equal(gen_profile(GEN_PROF_CONV3)->macs, forwards * conv3);
    assert_int_equal(gen_profile(GEN_PROF_CONV3_S2)->macs, forwards * conv3s2);
    assert_int_equal(gen_profile(GEN_PROF_CONV1)->macs, forwards * conv1);
    assert_int_equal(gen_profile(GEN_PROF_COND)->macs, forwards * MD_COND_MACS);
    assert_int_equal(gen_profile(GEN_PROF_TOTAL)->macs, gen_debug_total_macs());
    assert_int_equal(forwards * (conv3 + conv3s2 + conv1 + MD_COND_MACS), gen_debug_total_macs());
    uint64_t parts = 0;
    for (int k = 0; k < GEN_PROF_TOTAL; k++) {
        assert_true(gen_profile((gen_prof_kind_t)k)->calls > 0);
        assert_true(gen_profile((gen_prof_kind_t)k)->ns > 0);
        parts += gen_profile((gen_prof_kind_t)k)->ns;
    }
    assert_true(parts <= gen_profile(GEN_PROF_TOTAL)->ns);
    assert_string_equal(gen_profile_name(GEN_PROF_CONV3), "conv3x3_s1");
    /* A new image starts from zero. */
    make_request(&r, "red ring", "", 1, 10, 5);
    assert_true(run_to_end(&r, NULL) > 0);
    assert_int_equal(gen_profile(GEN_PROF_CONV3)->macs, 2 * conv3);
}

static void same_request_same_bytes_seeds_differ(void **state)
{
    (void)state;
    gen_request_t r;
    uint8_t a[GEN_RGB_SIZE], b[GEN_RGB_SIZE];
    make_request(&r, "large orange square on the right", "", 2, 75, 7);
    assert_true(run_to_end(&r, NULL) > 0);
    memcpy(a, gen_image_rgb(), sizeof a);
    assert_true(run_to_end(&r, NULL) > 0);
    assert_memory_equal(a, gen_image_rgb(), sizeof a);
    r.seed = 8;
    assert_true(run_to_end(&r, NULL) > 0);
    memcpy(b, gen_image_rgb(), sizeof b);
    int diff = 0;
    for (int i = 0; i < GEN_RGB_SIZE; i++)
        diff += a[i] != b[i];
    print_message("seeds 7 and 8: %d of %d bytes differ\n", diff, GEN_RGB_SIZE);
    assert_true(diff > GEN_RGB_SIZE / 4);
    /* Seed 0 is a valid seed too (the state is never 0). */
    r.seed = 0;
    assert_true(run_to_end(&r, NULL) > 0);
    assert_memory_not_equal(b, gen_image_rgb(), sizeof b);
}

static void steps_previews_and_statuses(void **state)
{
    (void)state;
    gen_request_t r;
    make_request(&r, "white cross", "", 3, 30, 3);
    r.preview = 1;
    assert_int_equal(gen_begin(&r), 0);
    int seen = 0;
    uint8_t first[GEN_RGB_SIZE];
    for (;;) {
        gen_status_t s = gen_slice();
        if (s == GEN_RUNNING) continue;
        seen++;
        assert_int_equal(gen_step(), seen);
        if (seen == 1) memcpy(first, gen_preview_rgb(), sizeof first);
        if (s == GEN_IMAGE_DONE) break;
        assert_int_equal(s, GEN_STEP_DONE);
    }
    assert_int_equal(seen, 3);
    assert_memory_not_equal(first, gen_preview_rgb(), sizeof first);
    assert_int_equal(gen_slice(), GEN_IDLE); /* nothing running after the image */
    /* Abort: the next slice is idle, and a new request starts from step 0. */
    assert_int_equal(gen_begin(&r), 0);
    assert_int_equal(gen_slice(), GEN_RUNNING);
    gen_abort();
    assert_int_equal(gen_slice(), GEN_IDLE);
    assert_int_equal(gen_begin(&r), 0);
    assert_int_equal(gen_step(), 0);
    assert_true(gen_arena_bytes() > 0 && gen_arena_bytes() <= GEN_ARENA_BYTES);
}

static void refuse(const gen_request_t *r, const char *want_field)
{
    const char *field = NULL, *message = NULL;
    assert_int_equal(gen_validate(r, &field, &message), -1);
    assert_non_null(message);
    assert_true(strlen(message) > 5);
    assert_string_equal(field, want_field);
    /* gen_begin refuses too, and does no work: nothing is running afterwards. */
    assert_int_equal(gen_begin(r), -1);
    assert_int_equal(gen_slice(), GEN_IDLE);
    assert_int_equal(gen_debug_last_slice_macs(), 0);
}

static void invalid_requests_refused(void **state)
{
    (void)state;
    gen_request_t r;
    make_request(&r, "red circle", "", 0, 75, 1);
    refuse(&r, "num_inference_steps");
    r.steps = 101;
    refuse(&r, "num_inference_steps");
    r.steps = 100;
    r.guidance10 = 9;
    refuse(&r, "guidance_scale");
    r.guidance10 = 201;
    refuse(&r, "guidance_scale");
    r.guidance10 = 200;
    r.prompt[0] = 0;
    refuse(&r, "prompt");
    strcpy(r.prompt, " \t\n ");
    refuse(&r, "prompt");
    memset(r.prompt, 'a', sizeof r.prompt); /* no terminator inside: too long */
    refuse(&r, "prompt");
    strcpy(r.prompt, "red");
    memset(r.negative, 'b', sizeof r.negative);
    refuse(&r, "negative_prompt");
    /* The edges are accepted. */
    const char *field, *message;
    make_request(&r, "x", "", 1, 10, 0);
    assert_int_equal(gen_validate(&r, &field, &message), 0);
    make_request(&r, "x", "", 100, 200, 0xffffffffu);
    assert_int_equal(gen_validate(&r, &field, &message), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_honoured_and_bytes_the_same),
        cmocka_unit_test(macs_per_step_and_guidance_one),
        cmocka_unit_test(profile_charges_every_mac_once),
        cmocka_unit_test(same_request_same_bytes_seeds_differ),
        cmocka_unit_test(steps_previews_and_statuses),
        cmocka_unit_test(invalid_requests_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
