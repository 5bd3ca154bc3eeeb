/* The generator as the rest of the firmware sees it: validate a request, begin it, then
 * call gen_slice() from the superloop until the image is done. Integer-only, static arena,
 * bit-exact with model/intref.py (see model/SPEC.md). */
#ifndef EDGE_GEN_H
#define EDGE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h" /* GEN_PROMPT_MAX, GEN_IGNORED_MAX, GEN_WORD_MAX */

#define GEN_W        32
#define GEN_H        32
#define GEN_RGB_SIZE (GEN_W * GEN_H * 3)

#define GEN_STEPS_MIN    1
#define GEN_STEPS_MAX    100
#define GEN_GUIDANCE_MIN 10  /* guidance_scale x 10: 1.0 */
#define GEN_GUIDANCE_MAX 200 /* 20.0 */

typedef struct {
    char prompt[GEN_PROMPT_MAX];
    char negative[GEN_PROMPT_MAX]; /* "" for none */
    uint8_t steps;                 /* GEN_STEPS_MIN..GEN_STEPS_MAX */
    uint16_t guidance10;           /* guidance_scale in tenths: 75 is 7.5 */
    uint32_t seed;
    uint8_t preview; /* compute a preview at each step boundary */
} gen_request_t;

/* The slots of a prompt (model/SPEC.md section 1), in this order everywhere. */
enum {
    GEN_SLOT_COLOUR,
    GEN_SLOT_SHAPE,
    GEN_SLOT_SIZE,
    GEN_SLOT_POSITION,
    GEN_SLOT_BACKGROUND,
    GEN_SLOT_COLOUR2, /* the second object's colour, shape and size */
    GEN_SLOT_SHAPE2,
    GEN_SLOT_SIZE2,
    GEN_SLOT_RELATION,
    GEN_NSLOTS
};
/* Values of the relation slot (0 = unspecified). */
enum { GEN_REL_SINGLE = 1, GEN_REL_BESIDE = 2, GEN_REL_ABOVE = 3 };

/* What the prompt parser understood (model/SPEC.md section 2). */
typedef struct {
    uint8_t slot[GEN_NSLOTS]; /* 0 = unspecified */
    uint8_t n_ignored;
    char ignored[GEN_IGNORED_MAX][GEN_WORD_MAX];
} gen_parse_t;

typedef enum {
    GEN_IDLE = 0,   /* nothing running */
    GEN_RUNNING,    /* the slice ended inside a step */
    GEN_STEP_DONE,  /* the slice ended on a step boundary (gen_step() tells which) */
    GEN_IMAGE_DONE, /* the last step finished: gen_image_rgb() holds the image */
} gen_status_t;

/* Check a request before any work. Returns 0, or -1 with *field naming the JSON field
 * ("prompt", "num_inference_steps", "guidance_scale", "negative_prompt") and *message
 * saying what is allowed. */
int gen_validate(const gen_request_t *r, const char **field, const char **message);

/* Parse a prompt (also used to report ignored words in generation_started). */
void gen_parse(const char *prompt, gen_parse_t *out);

/* The parser's vocabulary, for clients that offer it as suggestions: the i-th word of its
 * table and its slot ("colour", "shape", "size", "position", "background", "filler"), or
 * NULL past the end. */
const char *gen_vocab_word(unsigned i, const char **slot);

/* Start a generation; any running one is abandoned. Returns 0, or -1 if invalid. */
int gen_begin(const gen_request_t *r);

/* Do at most GEN_SLICE_BUDGET multiply-accumulates of the running generation. */
gen_status_t gen_slice(void);

/* Steps finished so far in the running (or just finished) generation. */
int gen_step(void);

/* The current estimate of the final image, RGB 32x32, valid after GEN_STEP_DONE when the
 * request asked for previews. */
const uint8_t *gen_preview_rgb(void);

/* The final image, RGB 32x32 row-major, valid after GEN_IMAGE_DONE until gen_begin(). */
const uint8_t *gen_image_rgb(void);

/* Abandon the running generation. */
void gen_abort(void);

/* Arena bytes and the longest slice seen, in multiply-accumulates (for /api/health). */
size_t gen_arena_bytes(void);
uint32_t gen_longest_slice_macs(void);

/* Where the last image's time went (GEN_PROFILE in app/config.h): per kernel, the board
 * time spent in it (board_now_ns), the MACs it did and how often it was called. */
typedef enum {
    GEN_PROF_CONV3,    /* 3x3 stride-1 convolution kernel (gk_conv_rows) */
    GEN_PROF_CONV3_S2, /* 3x3 stride-2 convolution kernel */
    GEN_PROF_CONV1,    /* 1x1 convolution kernel */
    GEN_PROF_BAND,     /* building the input band of an output row */
    GEN_PROF_PACK,     /* packing a group's weights */
    GEN_PROF_EPILOGUE, /* requantisation, FiLM and activation of the output rows */
    GEN_PROF_COND,     /* the condition MLP (fc1, FiLM) */
    GEN_PROF_SAMPLER,  /* noise, DDIM updates, clean-up, pixels */
    GEN_PROF_TOTAL,    /* everything in gen_begin() and gen_slice(), the above included */
    GEN_PROF_N
} gen_prof_kind_t;

typedef struct {
    uint64_t ns, macs;
    uint32_t calls;
} gen_prof_t;

/* The counters of kind k (all zero when GEN_PROFILE is 0), and its name for reports. */
const gen_prof_t *gen_profile(gen_prof_kind_t k);
const char *gen_profile_name(gen_prof_kind_t k);

/* ---- Image encoding (app/gen/png.c), over caller buffers ------------------------------ */

/* Worst-case PNG size of a GEN_W x GEN_H RGB image (stored deflate blocks). */
#define GEN_PNG_MAX (GEN_RGB_SIZE + GEN_H + 128)
_Static_assert(PNG_BUF_MAX >= GEN_PNG_MAX, "PNG_BUF_MAX (app/config.h) must hold one PNG");

/* Bytes png_encode_rgb() produces for a w x h image. */
size_t png_size_rgb(int w, int h);

/* Encode rgb (w x h x 3) as PNG into out; returns its length, or 0 if cap is too small. */
size_t png_encode_rgb(const uint8_t *rgb, int w, int h, uint8_t *out, size_t cap);

#endif
