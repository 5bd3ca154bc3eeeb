/* Test and bench hooks into the generator: hashes of every intermediate tensor,
 * the slice budget at runtime, per-slice MAC counts. Not used by the firmware
 * proper. */
#ifndef EDGE_GEN_DEBUG_H
#define EDGE_GEN_DEBUG_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 32 (model/SPEC.md 4.1). */
uint32_t gen_fnv1a(uint32_t h, const void *p, size_t n);
#define GEN_FNV_INIT 0x811C9DC5u

/* Called with the hash of each tensor as model/golden names it: "noise", then
 * for the conditional forward of step 0 "cond.e", "cond.h", "cond.gb",
 * "layer0".."layer9", then "v" (guided, step 0), then "x" and "x0" after
 * every step. NULL stops tracing. */
typedef void (*gen_trace_fn)(void *ctx, const char *name, uint32_t fnv);
void gen_debug_trace(gen_trace_fn fn, void *ctx);

/* Set the slice budget in MACs (0: GEN_SLICE_BUDGET). Returns -1 (and keeps the
 * old one) if smaller than the largest unit of work, gen_debug_unit_max(). */
int gen_set_slice_budget(uint32_t macs);
uint32_t gen_debug_unit_max(void);

/* MACs done by the last gen_slice() call, and the total since gen_begin(). */
uint32_t gen_debug_last_slice_macs(void);
uint64_t gen_debug_total_macs(void);

/* Run the plain C convolution kernel (the Cortex-M4's) instead of the SIMD one. */
void gen_debug_portable_kernel(int on);

#endif
