/* The convolution core and its epilogue. Operands are pairs of int16 in one
 * 32-bit word (two input channels, or the two weights that multiply them), so
 * that one instruction does two multiply-accumulates: pmaddwd on x86 (SSE2),
 * SMLAD on a Cortex-M4. Products of int8 values fit int16 and a pair's sum fits
 * int32 with room, so every path gives the same int32 sums as SPEC 4.3 step 2,
 * in any order. */
#include "app/gen/gen_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* 8 output pixels x 4 channels kept in 8 registers across the whole tap loop. */
static void conv_rows_sse2(const uint32_t *band, const int32_t *offs, const uint32_t *wpack,
                           int taps, int wpad, int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])
{
    for (int xb = 0; xb < wpad; xb += 8) {
        __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
        __m128i a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int t = 0; t < taps; t++) {
            const uint32_t *b = band + offs[t] + xb;
            __m128i b0 = _mm_loadu_si128((const __m128i *)b);
            __m128i b1 = _mm_loadu_si128((const __m128i *)(b + 4));
            __m128i w = _mm_loadu_si128((const __m128i *)(wpack + 4 * t));
            __m128i w0 = _mm_shuffle_epi32(w, 0x00), w1 = _mm_shuffle_epi32(w, 0x55);
            __m128i w2 = _mm_shuffle_epi32(w, 0xaa), w3 = _mm_shuffle_epi32(w, 0xff);
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(b0, w0));
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(b1, w0));
            a2 = _mm_add_epi32(a2, _mm_madd_epi16(b0, w1));
            a3 = _mm_add_epi32(a3, _mm_madd_epi16(b1, w1));
            a4 = _mm_add_epi32(a4, _mm_madd_epi16(b0, w2));
            a5 = _mm_add_epi32(a5, _mm_madd_epi16(b1, w2));
            a6 = _mm_add_epi32(a6, _mm_madd_epi16(b0, w3));
            a7 = _mm_add_epi32(a7, _mm_madd_epi16(b1, w3));
        }
        _mm_storeu_si128((__m128i *)&acc[0][xb], a0);
        _mm_storeu_si128((__m128i *)&acc[0][xb + 4], a1);
        _mm_storeu_si128((__m128i *)&acc[1][xb], a2);
        _mm_storeu_si128((__m128i *)&acc[1][xb + 4], a3);
        _mm_storeu_si128((__m128i *)&acc[2][xb], a4);
        _mm_storeu_si128((__m128i *)&acc[2][xb + 4], a5);
        _mm_storeu_si128((__m128i *)&acc[3][xb], a6);
        _mm_storeu_si128((__m128i *)&acc[3][xb + 4], a7);
    }
}

#endif

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define DUAL_MAC(acc, x, w) __smlad((x), (w), (acc))
/* The board builds with -Os, which keeps this loop's accumulators on the stack and loads
 * each weight twice (2.4 instructions per MAC); the hot loop is compiled for speed. */
#define KERNEL_ATTR __attribute__((optimize("O2")))
#else
#define KERNEL_ATTR
/* The two halves' products summed, as SMLAD and pmaddwd do. */
static inline int32_t dual_mac(int32_t acc, uint32_t x, uint32_t w)
{
    return acc + (int16_t)(x & 0xffff) * (int16_t)(w & 0xffff) +
           (int16_t)(x >> 16) * (int16_t)(w >> 16);
}
#define DUAL_MAC(acc, x, w) dual_mac((acc), (x), (w))
#endif

/* 2 pixels x 4 channels per pass: 8 accumulators stay in registers on a Cortex-M4. This is
 * the Cortex-M4 kernel; the host's unit tests run it too (gen_debug_portable_kernel). The
 * row's base pointer and the tap pointers are kept apart from the accumulators so that a
 * tap costs one offset load, one pair of pixel loads, four weight loads and eight SMLADs. */
KERNEL_ATTR static void conv_rows_c(const uint32_t *band, const int32_t *offs,
                                    const uint32_t *wpack, int taps, int wpad,
                                    int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])
{
    const int32_t *oend = offs + taps;
    for (int x = 0; x < wpad; x += 2) {
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        const uint32_t *bx = band + x, *w = wpack;
#if defined(__ARM_FEATURE_DSP)
        /* Hand-scheduled: 18 instructions per tap (16 MACs). Every operand but the end of
         * the offsets lives in a register; that one is read from the stack per tap. */
        if (taps > 0) {
            const int32_t *o = offs;
            uint32_t x0, x1, wk;
            __asm__ volatile(
                "1:\n\t"
                "ldr    %[x0], [%[o]], #4\n\t"
                "add    %[x0], %[bx], %[x0], lsl #2\n\t"
                "ldrd   %[x0], %[x1], [%[x0]]\n\t"
                "ldr    %[wk], [%[w]], #4\n\t"
                "smlad  %[s0], %[x0], %[wk], %[s0]\n\t"
                "smlad  %[s1], %[x1], %[wk], %[s1]\n\t"
                "ldr    %[wk], [%[w]], #4\n\t"
                "smlad  %[s2], %[x0], %[wk], %[s2]\n\t"
                "smlad  %[s3], %[x1], %[wk], %[s3]\n\t"
                "ldr    %[wk], [%[w]], #4\n\t"
                "smlad  %[s4], %[x0], %[wk], %[s4]\n\t"
                "smlad  %[s5], %[x1], %[wk], %[s5]\n\t"
                "ldr    %[wk], [%[w]], #4\n\t"
                "smlad  %[s6], %[x0], %[wk], %[s6]\n\t"
                "smlad  %[s7], %[x1], %[wk], %[s7]\n\t"
                "ldr    %[wk], %[oe]\n\t"
                "cmp    %[o], %[wk]\n\t"
                "bne    1b\n\t"
                : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4),
                  [s5] "+r"(s5), [s6] "+r"(s6), [s7] "+r"(s7), [o] "+r"(o), [w] "+r"(w),
                  [x0] "=&r"(x0), [x1] "=&r"(x1), [wk] "=&r"(wk)
                : [bx] "r"(bx), [oe] "m"(oend)
                : "cc", "memory");
        }
#else
        for (const int32_t *o = offs; o != oend; o++, w += 4) {
            const uint32_t *b = bx + *o;
            uint32_t x0 = b[0], x1 = b[1], wk;
            wk = w[0];
            s0 = DUAL_MAC(s0, x0, wk);
            s1 = DUAL_MAC(s1, x1, wk);
            wk = w[1];
            s2 = DUAL_MAC(s2, x0, wk);
            s3 = DUAL_MAC(s3, x1, wk);
            wk = w[2];
            s4 = DUAL_MAC(s4, x0, wk);
            s5 = DUAL_MAC(s5, x1, wk);
            wk = w[3];
            s6 = DUAL_MAC(s6, x0, wk);
            s7 = DUAL_MAC(s7, x1, wk);
        }
#endif
        acc[0][x] = s0;
        acc[0][x + 1] = s1;
        acc[1][x] = s2;
        acc[1][x + 1] = s3;
        acc[2][x] = s4;
        acc[2][x + 1] = s5;
        acc[3][x] = s6;
        acc[3][x + 1] = s7;
    }
}

/* The 3x3 stride-1 kernel: 2 pixels x 4 channels per pass as above, but the taps taken as
 * groups of 3 (kx = 0, 1, 2 of one input row), whose pixel pairs slide over 4 consecutive
 * words x..x+3: (b0, b1), (b1, b2), (b2, b3). build_band lays a channel pair's 3 rows
 * (ky = 0, 1, 2) len apart and the next pair's first row 3 len after the last, and the
 * weights of the taps in the same order, 4 words a tap: no offsets to read. */
#if defined(__ARM_FEATURE_DSP)
/* One group: the first pixel pair by one ldrd that also moves p to the group's row (step
 * bytes on from the previous group's), b2 and b3 into the registers the pair frees, the 12
 * weight words by 6 ldrd pairs: 3 + 6 loads and 24 SMLADs for 48 MACs. */
#define K3_GROUP(step)                                                                             \
    "ldrd   %[x0], %[x1], [%[p], #" step "]!\n\t"                                                  \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s0], %[x0], %[wa], %[s0]\n\t"                                                        \
    "smlad  %[s1], %[x1], %[wa], %[s1]\n\t"                                                        \
    "smlad  %[s2], %[x0], %[wb], %[s2]\n\t"                                                        \
    "smlad  %[s3], %[x1], %[wb], %[s3]\n\t"                                                        \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s4], %[x0], %[wa], %[s4]\n\t"                                                        \
    "smlad  %[s5], %[x1], %[wa], %[s5]\n\t"                                                        \
    "smlad  %[s6], %[x0], %[wb], %[s6]\n\t"                                                        \
    "smlad  %[s7], %[x1], %[wb], %[s7]\n\t"                                                        \
    "ldr    %[x0], [%[p], #8]\n\t"                                                                 \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s0], %[x1], %[wa], %[s0]\n\t"                                                        \
    "smlad  %[s1], %[x0], %[wa], %[s1]\n\t"                                                        \
    "smlad  %[s2], %[x1], %[wb], %[s2]\n\t"                                                        \
    "smlad  %[s3], %[x0], %[wb], %[s3]\n\t"                                                        \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s4], %[x1], %[wa], %[s4]\n\t"                                                        \
    "smlad  %[s5], %[x0], %[wa], %[s5]\n\t"                                                        \
    "smlad  %[s6], %[x1], %[wb], %[s6]\n\t"                                                        \
    "smlad  %[s7], %[x0], %[wb], %[s7]\n\t"                                                        \
    "ldr    %[x1], [%[p], #12]\n\t"                                                                \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s0], %[x0], %[wa], %[s0]\n\t"                                                        \
    "smlad  %[s1], %[x1], %[wa], %[s1]\n\t"                                                        \
    "smlad  %[s2], %[x0], %[wb], %[s2]\n\t"                                                        \
    "smlad  %[s3], %[x1], %[wb], %[s3]\n\t"                                                        \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s4], %[x0], %[wa], %[s4]\n\t"                                                        \
    "smlad  %[s5], %[x1], %[wa], %[s5]\n\t"                                                        \
    "smlad  %[s6], %[x0], %[wb], %[s6]\n\t"                                                        \
    "smlad  %[s7], %[x1], %[wb], %[s7]\n\t"

/* The pass every M4 kernel shares: for each pixel pair x, 8 accumulators (4 output channels
 * x 2 pixels) from zero, PRE once, then LOOP until w reaches the end of the weights (kept on
 * the stack: no register is left), then the stores. p starts at P0; LOOP moves p and w. */
#define ROWS_PASS(P0, XEND, PRE, LOOP)                                                             \
    const uint32_t *wend = wpack + 4 * taps;                                                       \
    for (int x = 0; x < (XEND); x += 2) {                                                          \
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;                    \
        const uint32_t *p = (P0), *w = wpack;                                                      \
        uint32_t x0, x1, wa, wb;                                                                   \
        __asm__ volatile(                                                                          \
            PRE "1:\n\t" LOOP "ldr    %[wa], %[we]\n\t"                                            \
                "cmp    %[w], %[wa]\n\t"                                                           \
                "bne    1b\n\t"                                                                    \
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [s4] "+r"(s4),           \
              [s5] "+r"(s5), [s6] "+r"(s6), [s7] "+r"(s7), [p] "+r"(p), [w] "+r"(w),               \
              [x0] "=&r"(x0), [x1] "=&r"(x1), [wa] "=&r"(wa), [wb] "=&r"(wb)                       \
            : [we] "m"(wend)                                                                       \
            : "cc", "memory");                                                                     \
        acc[0][x] = s0, acc[0][x + 1] = s1, acc[1][x] = s2, acc[1][x + 1] = s3;                    \
        acc[2][x] = s4, acc[2][x + 1] = s5, acc[3][x] = s6, acc[3][x + 1] = s7;                    \
    }

/* One function per band row length (wpad + 2 for wpad = 8, 16, 24, 32: every width the
 * engine takes), so that the row steps are immediates: a channel pair (9 taps, 144 MACs)
 * is 3 groups and a compare with the end of the weights kept on the stack, 102
 * instructions, 0.71 per MAC. p starts one channel pair's step (3 len words) before the
 * first row, so that every group moves p first. */
#define K3_FN(LEN)                                                                                 \
    KERNEL_ATTR static void conv3_rows_##LEN(const uint32_t *band, int32_t off0,                   \
                                             const uint32_t *wpack, int taps, int wpad,            \
                                             int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])               \
    {                                                                                              \
        ROWS_PASS(band + x + off0, wpad, "sub    %[p], %[p], #" #LEN "*12\n\t",                    \
                  K3_GROUP(#LEN "*12") K3_GROUP(#LEN "*4") K3_GROUP(#LEN "*4"))                    \
    }
K3_FN(10)
K3_FN(18)
K3_FN(26)
K3_FN(34)

/* Taps at one stride (offs[t] = t x wpad: the stride-2 band, one row per tap, and the 1x1
 * band, one row per channel pair): one ldrd of the pixel pair that moves on to the next
 * tap's row, 2 ldrd of weights, 8 SMLADs, 11 instructions for 16 MACs; 8 taps and the
 * compare with the end of the weights per loop, 91 instructions for 128 MACs. */
#define KU_TAP(step)                                                                               \
    "ldrd   %[x0], %[x1], [%[p]], #" step "\n\t"                                                   \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s0], %[x0], %[wa], %[s0]\n\t"                                                        \
    "smlad  %[s1], %[x1], %[wa], %[s1]\n\t"                                                        \
    "smlad  %[s2], %[x0], %[wb], %[s2]\n\t"                                                        \
    "smlad  %[s3], %[x1], %[wb], %[s3]\n\t"                                                        \
    "ldrd   %[wa], %[wb], [%[w]], #8\n\t"                                                          \
    "smlad  %[s4], %[x0], %[wa], %[s4]\n\t"                                                        \
    "smlad  %[s5], %[x1], %[wa], %[s5]\n\t"                                                        \
    "smlad  %[s6], %[x0], %[wb], %[s6]\n\t"                                                        \
    "smlad  %[s7], %[x1], %[wb], %[s7]\n\t"
#define KU_TAP2(step) KU_TAP(step) KU_TAP(step)
#define KU_FN(WPAD)                                                                                \
    KERNEL_ATTR static void convu_rows_##WPAD(const uint32_t *band, const uint32_t *wpack,         \
                                              int taps, int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])    \
    {                                                                                              \
        ROWS_PASS(band + x, WPAD, "",                                                              \
                  KU_TAP2(#WPAD "*4") KU_TAP2(#WPAD "*4") KU_TAP2(#WPAD "*4") KU_TAP2(#WPAD "*4")) \
    }
KU_FN(8)
KU_FN(16)
KU_FN(24)
KU_FN(32)
#endif

/* The same walk in C, for the host's tests (gen_debug_portable_kernel) and boards without
 * the DSP extension: one offset read per group of 3 taps, the pixel pair sliding. */
KERNEL_ATTR static void conv3_rows_c(const uint32_t *band, const int32_t *offs,
                                     const uint32_t *wpack, int taps, int wpad,
                                     int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])
{
    for (int x = 0; x < wpad; x += 2) {
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        const uint32_t *w = wpack;
        for (int g = 0; g < taps; g += 3, w += 12) {
            const uint32_t *b = band + offs[g] + x;
            uint32_t x0 = b[0], x1 = b[1];
            for (int kx = 0; kx < 3; kx++) {
                const uint32_t *wk = w + 4 * kx;
                s0 = DUAL_MAC(s0, x0, wk[0]);
                s1 = DUAL_MAC(s1, x1, wk[0]);
                s2 = DUAL_MAC(s2, x0, wk[1]);
                s3 = DUAL_MAC(s3, x1, wk[1]);
                s4 = DUAL_MAC(s4, x0, wk[2]);
                s5 = DUAL_MAC(s5, x1, wk[2]);
                s6 = DUAL_MAC(s6, x0, wk[3]);
                s7 = DUAL_MAC(s7, x1, wk[3]);
                x0 = x1; /* slide: the next tap's pair is one word on */
                if (kx < 2) x1 = b[kx + 2];
            }
        }
        acc[0][x] = s0, acc[0][x + 1] = s1, acc[1][x] = s2, acc[1][x + 1] = s3;
        acc[2][x] = s4, acc[2][x + 1] = s5, acc[3][x] = s6, acc[3][x + 1] = s7;
    }
}

static int use_portable; /* tests: run the C kernel where SIMD is available */

void gen_debug_portable_kernel(int on)
{
    use_portable = on;
}

void gk_conv_rows(const uint32_t *band, const int32_t *offs, const uint32_t *wpack,
                  const gen_layer_t *L, int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX])
{
    int taps = L->taps, wpad = L->wpad;
    /* The band's layout, from the layer's shape (build_band): 3x3 stride-1 rows of bw words
     * in groups of 3 taps; stride-2 and 1x1 one row per tap, wpad apart. */
    int k3len = L->k == 3 && L->stride == 1 ? L->bw : 0;
    int uniform = L->stride == 2 || L->k == 1;
#if defined(__SSE2__)
    if (!use_portable) {
        conv_rows_sse2(band, offs, wpack, taps, wpad, acc);
        return;
    }
#endif
#if defined(__ARM_FEATURE_DSP)
    if (uniform && taps % 8 == 0) {
        switch (wpad) {
        case 8:
            convu_rows_8(band, wpack, taps, acc);
            return;
        case 16:
            convu_rows_16(band, wpack, taps, acc);
            return;
        case 24:
            convu_rows_24(band, wpack, taps, acc);
            return;
        case 32:
            convu_rows_32(band, wpack, taps, acc);
            return;
        default:
            break;
        }
    }
#else
    /* The walks the Cortex-M4 kernels take without reading offs[], checked where offs[] is
     * read (the host's tests run this path with gen_debug_portable_kernel). */
    for (int t = 0; t < taps; t++)
        if ((uniform && offs[t] != t * wpad) ||
            (k3len && offs[t] != offs[0] + t / 9 * 5 * k3len + t % 9 / 3 * k3len + t % 3))
            board_panic("gk_conv_rows: the band is not laid out as the M4 kernels walk it");
#endif
    if (k3len && taps % 9 == 0) {
#if defined(__ARM_FEATURE_DSP)
        switch (k3len) {
        case 10:
            conv3_rows_10(band, offs[0], wpack, taps, wpad, acc);
            return;
        case 18:
            conv3_rows_18(band, offs[0], wpack, taps, wpad, acc);
            return;
        case 26:
            conv3_rows_26(band, offs[0], wpack, taps, wpad, acc);
            return;
        case 34:
            conv3_rows_34(band, offs[0], wpack, taps, wpad, acc);
            return;
        default:
            break;
        }
#endif
        conv3_rows_c(band, offs, wpack, taps, wpad, acc);
        return;
    }
    conv_rows_c(band, offs, wpack, taps, wpad, acc);
}

/* rq(acc + bias, m, s) of SPEC 4.1. With s >= 32 (every channel of this model but the few
 * at 31) it is the high word of the 64-bit sum shifted by s - 32: floor(floor(v / 2^32) /
 * 2^(s-32)) = floor(v / 2^s), one SMLAL and one ASR on a Cortex-M4 instead of a 64-bit
 * shift by a variable amount; the result fits int32 either way (|acc x m| < 2^62). */
static inline __attribute__((always_inline)) int32_t epi_rq(int32_t a, int32_t m, int64_t half,
                                                            int32_t s, int hiword)
{
    int64_t v = (int64_t)a * m + half;
    return hiword ? (int32_t)(v >> 32) >> (s - 32) : (int32_t)gk_sat(v >> s, INT32_MIN, INT32_MAX);
}

static inline int32_t sat32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One loop per combination so that none tests per element what holds for the whole row;
 * hiword is a constant in each copy (gk_epilogue below). */
static inline __attribute__((always_inline)) void epi_row(const int32_t *acc, int n, int32_t bias,
                                                          int32_t m, int32_t s, int out16,
                                                          const int32_t *film_gb, const int8_t *lut,
                                                          void *out, int hiword)
{
    const int32_t lo = out16 ? -32768 : -128, hi = out16 ? 32767 : 127;
    const int64_t half = (int64_t)1 << (s - 1);
    if (film_gb) {
        /* |p| <= 2^15 and |g| < 2^31, so (p g + b) >> MD_FILM_Q is below 2^27: int32 holds
         * it and saturating it there is exact. */
        const int32_t g = film_gb[0];
        const int64_t b = (int64_t)film_gb[1] + (1 << (MD_FILM_Q - 1));
        int8_t *o = out;
        if (lut)
            for (int x = 0; x < n; x++) {
                int32_t p = sat32(epi_rq(acc[x] + bias, m, half, s, hiword), lo, hi);
                o[x] = lut[sat32((int32_t)(((int64_t)p * g + b) >> MD_FILM_Q), -128, 127) + 128];
            }
        else
            for (int x = 0; x < n; x++) {
                int32_t p = sat32(epi_rq(acc[x] + bias, m, half, s, hiword), lo, hi);
                o[x] = (int8_t)sat32((int32_t)(((int64_t)p * g + b) >> MD_FILM_Q), -128, 127);
            }
    } else if (lut) {
        int8_t *o = out;
        for (int x = 0; x < n; x++)
            o[x] = lut[sat32(epi_rq(acc[x] + bias, m, half, s, hiword), -128, 127) + 128];
    } else if (out16) {
        int16_t *o = out;
        for (int x = 0; x < n; x++)
            o[x] = (int16_t)sat32(epi_rq(acc[x] + bias, m, half, s, hiword), lo, hi);
    } else {
        int8_t *o = out;
        for (int x = 0; x < n; x++)
            o[x] = (int8_t)sat32(epi_rq(acc[x] + bias, m, half, s, hiword), lo, hi);
    }
}

/* SPEC 4.3 steps 3 to 5 for one row of one output channel. */
KERNEL_ATTR void gk_epilogue(const int32_t *acc, int n, int32_t bias, int32_t m, int32_t s,
                             int out16, const int32_t *film_gb, const int8_t *lut, void *out)
{
    if (s >= 32)
        epi_row(acc, n, bias, m, s, out16, film_gb, lut, out, 1);
    else
        epi_row(acc, n, bias, m, s, out16, film_gb, lut, out, 0);
}

uint32_t gen_fnv1a(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x01000193u;
    return h;
}
