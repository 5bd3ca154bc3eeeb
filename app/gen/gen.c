/* The generator's state machine: a request becomes steps, each step one or two
 * forwards (conditional, then unconditional when guided), then the clean-up
 * forward after the last step; each forward a sequence of bounded units from
 * gen_net.c. gen_slice() runs units until the
 * budget would be exceeded or a step ends. All state is in one static arena; no
 * heap, no floating point. */
#include <string.h>

#include "app/gen/gen_internal.h"

static gen_arena_t gen_arena;

static struct {
    int planned, active;
    const char *plan_error;
    gen_plan_t plan;
    gen_fwd_t fwd;
    uint8_t cond[MD_NSLOTS], uncond[MD_NSLOTS];
    int steps, g10, preview;
    int step, branch; /* branch: B_COND, B_UNCOND or B_CLEAN */
    uint32_t longest, last;
    uint64_t total;
} g;

enum { B_COND, B_UNCOND, B_CLEAN };

_Static_assert(MD_NSLOTS == GEN_NSLOTS, "model_data.c and the parser have the same slots");

static uint32_t budget = GEN_SLICE_BUDGET; /* gen_set_slice_budget() changes it */

gen_trace_fn gen_trace_cb;
void *gen_trace_ctx;

gen_prof_t gen_prof[GEN_PROF_N];

static const char *const prof_names[GEN_PROF_N] = {
    "conv3x3_s1", "conv3x3_s2", "conv1x1", "band", "pack", "epilogue", "cond", "sampler", "total"};

const gen_prof_t *gen_profile(gen_prof_kind_t k)
{
    return &gen_prof[k];
}

const char *gen_profile_name(gen_prof_kind_t k)
{
    return prof_names[k];
}

void gen_trace_emit(const char *name, uint32_t fnv)
{
    if (gen_trace_cb) gen_trace_cb(gen_trace_ctx, name, fnv);
}

void gen_debug_trace(gen_trace_fn fn, void *ctx)
{
    gen_trace_cb = fn;
    gen_trace_ctx = ctx;
}

static int plan(void)
{
    if (!g.planned) {
        g.planned = 1;
        if (gn_plan(&g.plan, &g.plan_error) != 0) g.plan.unit_max = 0;
    }
    return g.plan_error ? -1 : 0;
}

int gen_set_slice_budget(uint32_t macs)
{
    if (macs == 0) macs = GEN_SLICE_BUDGET;
    if (plan() != 0 || macs < g.plan.unit_max) return -1;
    budget = macs;
    return 0;
}

uint32_t gen_debug_unit_max(void)
{
    return plan() == 0 ? g.plan.unit_max : 0;
}

uint32_t gen_debug_last_slice_macs(void)
{
    return g.last;
}

uint64_t gen_debug_total_macs(void)
{
    return g.total;
}

static void begin_forward(void)
{
    int t = g.branch == B_CLEAN ? MD_CLEAN_T : gs_timestep(g.step, g.steps);
    gn_forward_begin(&g.fwd, &gen_arena, &g.plan, g.branch == B_UNCOND ? g.uncond : g.cond, t,
                     g.step == 0 && g.branch == B_COND);
}

int gen_begin(const gen_request_t *r)
{
    const char *field, *message;
    g.active = 0;
    if (gen_validate(r, &field, &message) != 0 || plan() != 0) return -1;
    memset(gen_prof, 0, sizeof gen_prof);
    uint64_t t0 = gp_now();
    gen_parse_t pp;
    gen_parse(r->prompt, &pp);
    memcpy(g.cond, pp.slot, MD_NSLOTS);
    gen_parse(r->negative, &pp); /* an empty negative prompt parses to all unspecified */
    memcpy(g.uncond, pp.slot, MD_NSLOTS);
    g.steps = r->steps;
    g.g10 = r->guidance10;
    g.preview = r->preview;
    g.step = g.branch = 0;
    g.longest = g.last = 0;
    g.total = 0;
    uint32_t s = gs_seed(r->seed);
    for (int i = 0; i < GEN_NPIX; i++)
        gen_arena.x[i] = (int16_t)gs_gauss_q12(&s);
    if (gen_trace_cb)
        gen_trace_emit("noise", gen_fnv1a(GEN_FNV_INIT, gen_arena.x, GEN_NPIX * sizeof(int16_t)));
    memset(gen_arena.preview, 0, sizeof gen_arena.preview);
    begin_forward();
    g.active = 1;
    gp_mark(GEN_PROF_TOTAL, t0, 0);
    gp_mark(GEN_PROF_SAMPLER, t0, 0);
    return 0;
}

/* A forward ended: keep v_c and run the unconditional branch, or finish the
 * step (after the last one, run the clean-up forward first). Returns 1 when
 * the step is done. */
static int forward_done(void)
{
    const int16_t *out = gn_output(&gen_arena, &g.plan);
    if (g.branch == B_CLEAN) {
        gs_clean_finish(gen_arena.x, out);
        if (gen_trace_cb)
            gen_trace_emit("clean",
                           gen_fnv1a(GEN_FNV_INIT, gen_arena.x, GEN_NPIX * sizeof(int16_t)));
        if (g.preview)
            gs_pixels(gen_arena.x, gen_arena.preview); /* the last preview is the image */
        g.step++;
        g.branch = B_COND;
        return 1;
    }
    if (g.branch == B_COND) {
        memcpy(gen_arena.v_c, out, sizeof gen_arena.v_c);
        /* Guidance 1.0 is v_c itself, and outside the guidance interval the
         * model is not guided: no second forward. */
        if (g.g10 != 10 && gs_guided(gs_timestep(g.step, g.steps))) {
            g.branch = B_UNCOND;
            begin_forward();
            return 0;
        }
    }
    int t = gs_timestep(g.step, g.steps);
    int t_next = g.step + 1 < g.steps ? gs_timestep(g.step + 1, g.steps) : -1;
    uint32_t x0_fnv;
    gs_update(gen_arena.x, gen_arena.v_c, g.branch == B_UNCOND ? out : NULL, g.g10, t, t_next,
              g.preview ? gen_arena.preview : NULL, gen_trace_cb ? &x0_fnv : NULL);
    if (gen_trace_cb) {
        if (g.step == 0)
            gen_trace_emit("v", gen_fnv1a(GEN_FNV_INIT, gen_arena.v_c, sizeof gen_arena.v_c));
        gen_trace_emit("x", gen_fnv1a(GEN_FNV_INIT, gen_arena.x, GEN_NPIX * sizeof(int16_t)));
        gen_trace_emit("x0", x0_fnv);
    }
    if (t_next < 0) { /* the last step: the clean-up forward reads x at MD_CLEAN_T */
        gs_clean_begin(gen_arena.x);
        g.branch = B_CLEAN;
        begin_forward();
        return 0;
    }
    g.step++;
    g.branch = B_COND;
    return 1;
}

gen_status_t gen_slice(void)
{
    if (!g.active) {
        g.last = 0;
        return GEN_IDLE;
    }
    uint32_t used = 0;
    gen_status_t st = GEN_RUNNING;
    uint64_t t0 = gp_now();
    for (;;) {
        uint32_t cost = gn_unit_cost(&g.fwd, &g.plan);
        if (cost == 0) {
            uint64_t ts = gp_now();
            int done = forward_done();
            if (done && g.step == g.steps) {
                gs_pixels(gen_arena.x, gen_arena.image);
                g.active = 0;
                st = GEN_IMAGE_DONE;
            } else if (done) {
                begin_forward();
                st = GEN_STEP_DONE;
            }
            gp_mark(GEN_PROF_SAMPLER, ts, 0);
            if (!done) continue;
            break;
        }
        if (used + cost > budget) break;
        gn_unit(&g.fwd, &gen_arena, &g.plan);
        used += cost;
    }
    gp_mark(GEN_PROF_TOTAL, t0, used);
    g.last = used;
    g.total += used;
    if (used > g.longest) g.longest = used;
    return st;
}

int gen_step(void)
{
    return g.step;
}

const uint8_t *gen_preview_rgb(void)
{
    return gen_arena.preview;
}

const uint8_t *gen_image_rgb(void)
{
    return gen_arena.image;
}

void gen_abort(void)
{
    g.active = 0;
}

size_t gen_arena_bytes(void)
{
    return sizeof gen_arena;
}

uint32_t gen_longest_slice_macs(void)
{
    return g.longest;
}
