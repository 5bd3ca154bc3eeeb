/* The sampler of model/SPEC.md 4.4: seeded xorshift32, the Q12 Gaussian, DDIM
 * timesteps, classifier-free guidance and the DDIM update from v, the clean-up
 * after the last step, and pixels. */
#include "app/gen/gen_internal.h"

uint32_t gs_seed(uint32_t seed)
{
    uint32_t z = seed; /* murmur3 finaliser: nearby seeds give unrelated states */
    z ^= z >> 16;
    z *= 0x85EBCA6Bu;
    z ^= z >> 13;
    z *= 0xC2B2AE35u;
    z ^= z >> 16;
    return z ? z : 0x6D2B79F5u; /* xorshift never leaves 0 */
}

uint32_t gs_next(uint32_t *s)
{
    uint32_t v = *s;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    return *s = v;
}

/* Sum of 12 uniform 12-bit numbers, centred: variance 12 x 4096^2 / 12 =
 * 4096^2. */
int32_t gs_gauss_q12(uint32_t *s)
{
    int32_t g = 0;
    for (int i = 0; i < 12; i++)
        g += (int32_t)(gs_next(s) >> 20);
    return g - 24570;
}

int gs_timestep(int i, int n)
{
    return MD_T - 1 - (i * MD_T) / n;
}

int gs_guided(int t)
{
    return t >= MD_GUIDE_T_MIN && t < MD_GUIDE_T_MAX;
}

static int32_t guide(int32_t c, int32_t u, int g10)
{
    int32_t d = (c - u) * g10; /* |d| < 2^16 x 200 */
    int32_t q = d >= 0 ? (d + 5) / 10 : -((-d + 5) / 10);
    return gk_sat((int64_t)u + q, -32768, 32767);
}

static uint8_t pixel(int32_t v)
{
    return (uint8_t)gk_sat(((v + 4096) * 255 + 4096) >> 13, 0, 255);
}

/* Step i's steps 2 to 4 from the network's v (guided when v_u): x0 (the
 * preview, clamped to the image range) and eps follow from v with factors of
 * at most 1, then x is re-noised for t_next (-1: after the last step, where
 * alpha-bar is 1). v_c receives the guided v. */
void gs_update(int16_t *x, int16_t *v_c, const int16_t *v_u, int g10, int t, int t_next,
               uint8_t *rgb0, uint32_t *x0_fnv)
{
    const int64_t sa = md_sched_sa[t], s1 = md_sched_s1[t];
    const int64_t sap = t_next >= 0 ? md_sched_sa[t_next] : 32768;
    const int64_t s1p = t_next >= 0 ? md_sched_s1[t_next] : 0;
    uint32_t h = GEN_FNV_INIT;
    for (int i = 0; i < GEN_NPIX; i++) {
        int32_t v = v_u ? guide(v_c[i], v_u[i], g10) : v_c[i];
        v_c[i] = (int16_t)v;
        int32_t x0 = gk_sat((sa * x[i] - s1 * v + 16384) >> 15, -4096, 4096);
        int64_t eps = (s1 * x[i] + sa * v + 16384) >> 15; /* |eps| < 2^16: Q15 x int16 */
        if (x0_fnv) {
            uint8_t le[2] = {(uint8_t)(x0 & 0xff), (uint8_t)((x0 >> 8) & 0xff)};
            h = gen_fnv1a(h, le, 2);
        }
        if (rgb0) {
            int c = i / (GEN_W * GEN_H), yx = i % (GEN_W * GEN_H);
            rgb0[yx * 3 + c] = pixel(x0);
        }
        x[i] = (int16_t)gk_sat((sap * x0 + s1p * eps + 16384) >> 15, -32768, 32767);
    }
    if (x0_fnv) *x0_fnv = h;
}

void gs_clean_begin(int16_t *x)
{
    const int64_t sa = md_sched_sa[MD_CLEAN_T];
    for (int i = 0; i < GEN_NPIX; i++) /* |x| <= 4096 after the last step: no saturation */
        x[i] = (int16_t)((sa * x[i] + 16384) >> 15);
}

void gs_clean_finish(int16_t *x, const int16_t *v)
{
    const int64_t sa = md_sched_sa[MD_CLEAN_T], s1 = md_sched_s1[MD_CLEAN_T];
    for (int i = 0; i < GEN_NPIX; i++)
        x[i] = (int16_t)gk_sat((sa * x[i] - s1 * v[i] + 16384) >> 15, -4096, 4096);
}

void gs_pixels(const int16_t *v, uint8_t *rgb)
{
    for (int i = 0; i < GEN_NPIX; i++) {
        int c = i / (GEN_W * GEN_H), yx = i % (GEN_W * GEN_H);
        rgb[yx * 3 + c] = pixel(v[i]);
    }
}
