/* Shared between the generator's files: the arena, the network plan, the
 * kernels and the sampler. Not for the rest of the firmware (that is gen.h). */
#ifndef EDGE_GEN_INTERNAL_H
#define EDGE_GEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "app/board.h"
#include "app/gen/gen.h"
#include "app/gen/gen_config.h"
#include "app/gen/gen_debug.h"
#include "app/gen/model_data.h"

#define GEN_NPIX  (3 * GEN_W * GEN_H) /* elements of x and v (CHW) */
#define GEN_NTENS (MD_NLAYERS + 1)    /* tensor 0 is the network input */

/* ---- the arena
 * ----------------------------------------------------------------------- */

typedef struct {
    int8_t act[GEN_ACT_BYTES] __attribute__((aligned(16)));
    uint32_t band[GEN_BAND_WORDS] __attribute__((aligned(16)));
    uint32_t wpack[GEN_WPACK_WORDS] __attribute__((aligned(16)));
    int32_t offs[GEN_TAPS_MAX];          /* where each tap's row starts in band[] */
    int16_t x[MD_IN_CH * GEN_W * GEN_H]; /* x_t (Q12, GEN_NPIX), then the coordinate planes */
    int16_t v_c[GEN_NPIX];               /* the network's v for the condition, this step */
    int32_t gb[MD_NFILM]; /* FiLM gamma (+1 folded) and beta of the current forward */
    int8_t e[MD_COND_IN];
    int8_t h[MD_HID];
    uint8_t preview[GEN_RGB_SIZE];
    uint8_t image[GEN_RGB_SIZE];
} gen_arena_t;

_Static_assert(sizeof(gen_arena_t) <= GEN_ARENA_BYTES, "GEN_ARENA_BYTES too small");

/* ---- the network plan (from md_layers)
 * ------------------------------------------------- */

typedef struct {
    int src0, up0, src1, up1, cin0, cin, cout, k, stride, hw_in, hw_out;
    int w_off, ch_off, film_off, lut, out16;
    int wpad;          /* hw_out rounded up to 8 */
    int bw;            /* stride 1: width of a band row, wpad + k - 1 */
    int group;         /* output channels whose packed weights fit wpack[] at once */
    int taps;          /* ceil(cin / 2) x k x k: pairs of products per output */
    uint32_t row_macs; /* cin x k x k x hw_out: MACs of one output channel row */
} gen_layer_t;

typedef struct {
    gen_layer_t l[MD_NLAYERS];
    uint32_t off[GEN_NTENS];                           /* byte offset of each tensor in act[] */
    int ch[GEN_NTENS], hw[GEN_NTENS], wide[GEN_NTENS]; /* wide: int16 elements */
    uint32_t act_bytes;                                /* high-water of the plan */
    uint32_t unit_max;                                 /* largest unit of work, MACs */
} gen_plan_t;

/* Check md_layers and place the tensors; 0, or -1 with *why. */
int gn_plan(gen_plan_t *p, const char **why);

/* ---- one forward, cut into units
 * ------------------------------------------------------ */

enum { GN_FC1, GN_FILM, GN_CONV, GN_DONE };

typedef struct {
    int phase;
    int j;                           /* neuron (GN_FC1, GN_FILM) */
    int layer, y, co, cg;            /* cg: first channel of the packed group */
    int band_layer, band_y, band_cg; /* what band[] holds (-1: nothing) */
    int pack_layer, pack_cg;         /* what wpack[] and offs[] hold */
    int t;
    uint8_t slots[MD_NSLOTS];
    int trace; /* report hashes of this forward */
} gen_fwd_t;

/* Start a forward of the current x (tensor 0 is derived from it here). */
void gn_forward_begin(gen_fwd_t *f, gen_arena_t *a, const gen_plan_t *p,
                      const uint8_t slots[MD_NSLOTS], int t, int trace);
/* MACs of the next unit, 0 when the forward is done. */
uint32_t gn_unit_cost(const gen_fwd_t *f, const gen_plan_t *p);
/* Do the next unit. */
void gn_unit(gen_fwd_t *f, gen_arena_t *a, const gen_plan_t *p);
/* The network output (int16 v, Q12, CHW) once the forward is done. */
const int16_t *gn_output(const gen_arena_t *a, const gen_plan_t *p);

/* ---- kernels (gen_kernels.c)
 * ----------------------------------------------------------- */

/* Pack two int8 values as the two int16 halves of one word (low = first). */
static inline uint32_t gk_pair(int a, int b)
{
    return (uint32_t)(uint16_t)(int16_t)a | (uint32_t)(uint16_t)(int16_t)b << 16;
}

/* acc[c][x] = sum over t < L->taps of the pair products band[offs[t] + x] . wpack[t][c],
 * for c < GEN_CO_BLOCK and x < L->wpad (a multiple of 8). The band is laid out as
 * build_band does for L's shape, which the Cortex-M4 kernels walk without reading offs[]:
 * for a 3x3 stride-1 layer the taps come in groups of 3 (kx = 0, 1, 2 of one row: offs[3g]
 * + 0, 1, 2), the rows of a channel pair's 9 taps L->bw apart and the next pair's 3 bw
 * after its last; for stride-2 and 1x1 layers offs[t] = t x wpad. The portable path checks
 * that layout (board_panic if not). */
void gk_conv_rows(const uint32_t *band, const int32_t *offs, const uint32_t *wpack,
                  const gen_layer_t *L, int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX]);

/* Requantise one output row of one channel and apply FiLM and the activation
 * table. */
void gk_epilogue(const int32_t *acc, int n, int32_t bias, int32_t m, int32_t s, int out16,
                 const int32_t *film_gb, const int8_t *lut, void *out);

/* rq(acc, M, S) of SPEC 4.1, in int64. */
static inline int64_t gk_rq(int64_t acc, int32_t m, int32_t s)
{
    return (acc * m + ((int64_t)1 << (s - 1))) >> s;
}

static inline int32_t gk_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* ---- sampler (gen_sampler.c)
 * ------------------------------------------------------------ */

uint32_t gs_seed(uint32_t seed);
uint32_t gs_next(uint32_t *s);
int32_t gs_gauss_q12(uint32_t *s);
int gs_timestep(int i, int n);
/* Whether step t is guided (MD_GUIDE_T_MIN <= t < MD_GUIDE_T_MAX). */
int gs_guided(int t);
/* Guidance, x0 (clamped) and the next x, in place; writes the preview pixels if
 * rgb0. */
void gs_update(int16_t *x, int16_t *v_c, const int16_t *v_u, int g10, int t, int t_next,
               uint8_t *rgb0, uint32_t *x0_fnv);
/* The clean-up after the last step (SPEC 4.4): x becomes the network input at
 * MD_CLEAN_T, then, from the network's v there, the final image. */
void gs_clean_begin(int16_t *x);
void gs_clean_finish(int16_t *x, const int16_t *v);
void gs_pixels(const int16_t *v, uint8_t *rgb);

/* ---- profiling (GEN_PROFILE)
 * ------------------------------------------------------------- */

extern gen_prof_t gen_prof[GEN_PROF_N];

static inline uint64_t gp_now(void)
{
    return GEN_PROFILE ? board_now_ns() : 0;
}

/* Charge the time since t0 and macs to kind k; returns the time now (the next region's t0). */
static inline uint64_t gp_mark(gen_prof_kind_t k, uint64_t t0, uint32_t macs)
{
    if (!GEN_PROFILE) return 0;
    uint64_t now = board_now_ns();
    gen_prof[k].ns += now - t0;
    gen_prof[k].macs += macs;
    gen_prof[k].calls++;
    return now;
}

/* ---- tracing (tests)
 * --------------------------------------------------------------------- */

extern gen_trace_fn gen_trace_cb;
extern void *gen_trace_ctx;
void gen_trace_emit(const char *name, uint32_t fnv);

#endif
