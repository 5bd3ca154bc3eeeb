/* The generator's internal sizes, derived from the model; its one tunable capacity, the
 * slice budget, is in app/config.h with the others. */
#ifndef EDGE_GEN_CONFIG_H
#define EDGE_GEN_CONFIG_H

#include "app/config.h"
#include "app/gen/gen.h"
#include "app/gen/model_data.h"

/* Output channels computed together by the conv kernel (register blocking). */
#define GEN_CO_BLOCK 4

/* Largest unit of work: GEN_CO_BLOCK channels x cin x k x k x one output row.
 * For this network: 4 x 64 x 9 x 16 = 36864 (layers u2 and u1). The budget must
 * be at least this; gen_set_slice_budget() refuses less. */
#define GEN_UNIT_MAX_MACS 36864u

/* Layer outputs, placed first-fit by liveness (upsampling and concatenation are read in
 * place, the network input is x itself): 40 KB for this network against the ideal
 * MD_PEAK_ACT_BYTES = 36 KB; a quarter more leaves room for a retrained layout. The plan
 * is checked against it when the generator starts (gen_begin() fails otherwise). */
#define GEN_ACT_BYTES (MD_PEAK_ACT_BYTES + MD_PEAK_ACT_BYTES / 4)

/* One output row's input band: pairs of input channels as packed int16, 4 bytes
 * a pair. Stride 1: ceil(cin/2) x (2k - 1) rows of width + k - 1 (a ring of k rows
 * with the first k - 1 repeated after it, gen_net.c build_band; u2: 32 x 5 x 18 =
 * 2880 words); stride 2: ceil(cin/2) x k x k rows of width (d1, d2: 1152 words).
 * 11.25 KB (the repeated rows, 3.4 KB of it, let the Cortex-M4 kernel walk a
 * channel pair's 9 taps at one stride). */
#define GEN_BAND_WORDS 2880

/* Packed weight pairs, kept for as many output channels as fit (ceil(cin/2) x k
 * x k x 4 B per channel): all of a layer but for d2, m1 and u2 (2, 4 and 2
 * groups). 18 KB. */
#define GEN_WPACK_WORDS 4608

/* Taps (pairs of products) per output: ceil(cin/2) x k x k, 288 for u2 and
 * m1. 1.1 KB. */
#define GEN_TAPS_MAX 288

/* Widest output row the kernel handles (pixels, multiple of 8). */
#define GEN_ROW_MAX 32

/* Everything the generator holds, one static arena (gen.c): activations, the
 * im2col band, packed weights, x with the coordinate planes (int16 Q12, 10 KB)
 * and v (6 KB), the condition (2.3 KB), the preview and the final RGB (3 KB
 * each). About 102 KB; gen_arena_bytes() reports it. */
#define GEN_ARENA_BYTES                                                                            \
    (GEN_ACT_BYTES + 4 * (GEN_BAND_WORDS + GEN_WPACK_WORDS + GEN_TAPS_MAX) +                       \
     2 * (MD_IN_CH + 3) * GEN_W * GEN_H + 4 * MD_NFILM + MD_COND_IN + MD_HID +                     \
     2 * 3 * GEN_W * GEN_H + 64)

#endif
