/* The network runner: walks md_layers (model/SPEC.md 4.3) and the condition MLP
 * (4.2) in units of bounded work, so that gen.c can stop after any unit and
 * resume later. Shapes, offsets and tables all come from model_data.h; nothing
 * here knows the network. */
#include <string.h>

#include "app/gen/gen_internal.h"

static const char *layer_names[MD_NLAYERS + 1] = {"layer0", "layer1", "layer2", "layer3",
                                                  "layer4", "layer5", "layer6", "layer7",
                                                  "layer8", "layer9", "layer10"};
_Static_assert(MD_NLAYERS <= 10, "layer_names: one name per layer");

static int field(int l, int f)
{
    return (int)md_layers[l * MD_LAYER_FIELDS + f];
}

/* Tensor 0, the network input, is the sampler's x itself (int16 Q12) followed by
 * the coordinate planes, all in the arena's x[]; the other tensors live in act[]. */
_Static_assert(MD_X_Q == 12, "the network input is x in Q12");
_Static_assert(MD_IN_CH == 5, "the network input is x and two coordinate planes");

static const void *tensor(const gen_arena_t *a, const gen_plan_t *p, int t)
{
    return t == 0 ? (const void *)a->x : (const void *)(a->act + p->off[t]);
}

static int tensor_bytes(const gen_plan_t *p, int t)
{
    return p->ch[t] * p->hw[t] * p->hw[t] * (p->wide[t] ? 2 : 1);
}

/* Read the layer table, check what the engine relies on, and place every tensor
 * first-fit in act[] while the tensors it overlaps are dead (last read before
 * it is written). */
int gn_plan(gen_plan_t *p, const char **why)
{
    memset(p, 0, sizeof *p);
    p->ch[0] = MD_IN_CH;
    p->hw[0] = GEN_W;
    p->wide[0] = 1;
    int last_use[GEN_NTENS] = {0};
    for (int l = 0; l < MD_NLAYERS; l++) {
        gen_layer_t *L = &p->l[l];
        L->src0 = field(l, MD_L_SRC0), L->up0 = field(l, MD_L_UP0);
        L->src1 = field(l, MD_L_SRC1), L->up1 = field(l, MD_L_UP1);
        L->cin0 = field(l, MD_L_CIN0), L->cin = field(l, MD_L_CIN);
        L->cout = field(l, MD_L_COUT), L->k = field(l, MD_L_K);
        L->stride = field(l, MD_L_STRIDE), L->hw_in = field(l, MD_L_HW_IN);
        L->hw_out = field(l, MD_L_HW_OUT), L->w_off = field(l, MD_L_W_OFF);
        L->ch_off = field(l, MD_L_CH_OFF), L->film_off = field(l, MD_L_FILM_OFF);
        L->lut = field(l, MD_L_LUT), L->out16 = field(l, MD_L_OUT16);
        L->wpad = (L->hw_out + 7) & ~7;
        L->taps = (L->cin + 1) / 2 * L->k * L->k;
        L->bw = L->wpad + L->k - 1;
        L->group = GEN_WPACK_WORDS / (L->taps * GEN_CO_BLOCK) * GEN_CO_BLOCK;
        if (L->group > (L->cout + 3) / 4 * 4) L->group = (L->cout + 3) / 4 * 4;
        L->row_macs = (uint32_t)(L->cin * L->k * L->k * L->hw_out);
        int s0 = L->src0, s1 = L->src1;
        if (s0 < 0 || s0 > l || s1 > l || (s1 < 0 && L->cin0 != L->cin)) {
            *why = "md_layers: bad source tensor";
            return -1;
        }
        int ok = p->ch[s0] == (s1 >= 0 ? L->cin0 : L->cin) && p->hw[s0] << L->up0 == L->hw_in &&
                 (s1 < 0 || (p->ch[s1] == L->cin - L->cin0 && p->hw[s1] << L->up1 == L->hw_in));
        if (!ok || (L->k != 1 && L->k != 3) || (L->stride != 1 && L->stride != 2) ||
            L->hw_out * L->stride != L->hw_in || (L->lut >= 0 && L->out16 && L->film_off < 0)) {
            *why = "md_layers: shapes the engine does not support";
            return -1;
        }
        int band = L->stride == 1 ? (L->cin + 1) / 2 * (2 * L->k - 1) * L->bw : L->taps * L->wpad;
        if (L->wpad > GEN_ROW_MAX || band > GEN_BAND_WORDS || L->group == 0 ||
            L->taps > GEN_TAPS_MAX) {
            *why = "md_layers: a layer exceeds GEN_ROW_MAX, GEN_BAND_WORDS, "
                   "GEN_WPACK_WORDS or "
                   "GEN_TAPS_MAX";
            return -1;
        }
        uint32_t unit = L->row_macs * (uint32_t)(L->cout < GEN_CO_BLOCK ? L->cout : GEN_CO_BLOCK);
        if (unit > p->unit_max) p->unit_max = unit;
        p->ch[l + 1] = L->cout;
        p->hw[l + 1] = L->hw_out;
        p->wide[l + 1] = L->out16 && L->film_off < 0 && L->lut < 0;
        last_use[s0] = l;
        if (s1 >= 0) last_use[s1] = l;
    }
    const gen_layer_t *last = &p->l[MD_NLAYERS - 1];
    if (p->ch[MD_NLAYERS] != 3 || p->hw[MD_NLAYERS] != GEN_W || !p->wide[MD_NLAYERS] ||
        last->cout != 3) {
        *why = "md_layers: the last layer must give int16 3xHxW";
        return -1;
    }
    last_use[MD_NLAYERS] = MD_NLAYERS;
    if (p->unit_max < MD_HID) p->unit_max = MD_HID;
    /* First fit: tensor t (written by layer t-1) may not overlap a tensor still
     * needed at layer t-1, i.e. one whose last use is >= t-1 and that was written
     * before. */
    for (int t = 1; t < GEN_NTENS; t++) {
        uint32_t size = (uint32_t)(tensor_bytes(p, t) + 15) & ~15u, at = 0;
        for (int moved = 1; moved;) {
            moved = 0;
            for (int u = 1; u < t; u++) {
                if (last_use[u] < t - 1) continue;
                uint32_t b = p->off[u], e = b + (uint32_t)tensor_bytes(p, u);
                if (at < e && b < at + size) {
                    at = (e + 15) & ~15u;
                    moved = 1;
                }
            }
        }
        p->off[t] = at;
        if (at + size > p->act_bytes) p->act_bytes = at + size;
    }
    if (p->act_bytes > GEN_ACT_BYTES) {
        *why = "layer outputs exceed GEN_ACT_BYTES";
        return -1;
    }
    return 0;
}

/* ---- condition (SPEC 4.2)
 * --------------------------------------------------------------- */

static void cond_input(gen_fwd_t *f, gen_arena_t *a)
{
    for (int s = 0; s < MD_NSLOTS; s++)
        memcpy(a->e + s * MD_EMB, md_emb + md_emb_off[s] + f->slots[s] * MD_EMB, MD_EMB);
    for (int k = 0; k < MD_TDIM / 2; k++) {
        int32_t ph = (f->t * md_tfreq[k]) >> 8;
        a->e[MD_NSLOTS * MD_EMB + 2 * k] = md_sin256[ph & 255];
        a->e[MD_NSLOTS * MD_EMB + 2 * k + 1] = md_sin256[(ph + 64) & 255];
    }
}

static int32_t dot8(const int8_t *w, const int8_t *v, int n)
{
    int32_t s = 0;
    for (int i = 0; i < n; i++)
        s += w[i] * v[i];
    return s;
}

/* The board builds with -Os; the band and the weight packing run once per output row and
 * per group of channels, 21 % of a Cortex-M4 image at -Os, and are compiled for speed. */
#if defined(__arm__)
#define HOT_ATTR __attribute__((optimize("O2")))
#else
#define HOT_ATTR
#endif

/* ---- convolution layers (SPEC 4.3)
 * ----------------------------------------------------- */

/* Channel c of the (concatenated, upsampled) input of layer L, row yy, into
 * row[pad..] with zeros around, len entries in all: the virtual input is read
 * in place. */
HOT_ATTR static void input_row(const gen_arena_t *a, const gen_plan_t *p, const gen_layer_t *L,
                               int c, int yy, int16_t *row, int len)
{
    int pad = L->k / 2, n = L->hw_in;
    if (c >= L->cin || yy < 0 || yy >= n) {
        memset(row, 0, (size_t)len * sizeof *row);
        return;
    }
    memset(row, 0, (size_t)pad * sizeof *row);
    memset(row + pad + n, 0, (size_t)(len - pad - n) * sizeof *row);
    int t = L->src0, up = L->up0;
    if (c >= L->cin0 && L->src1 >= 0) {
        t = L->src1, up = L->up1;
        c -= L->cin0;
    }
    int hs = p->hw[t], at = (c * hs + (yy >> up)) * hs;
    int16_t *d = row + pad;
    /* Four loops so that each is a plain widening copy the compiler vectorises.
     */
    if (p->wide[t]) {
        const int16_t *s = (const int16_t *)tensor(a, p, t) + at;
        if (up)
            for (int x = 0; x < n; x++)
                d[x] = s[x >> 1];
        else
            memcpy(d, s, (size_t)n * sizeof *d);
    } else {
        const int8_t *s = (const int8_t *)tensor(a, p, t) + at;
        if (up)
            for (int x = 0; x < n; x++)
                d[x] = s[x >> 1];
        else
            for (int x = 0; x < n; x++)
                d[x] = s[x];
    }
}

/* The band of output row y: pairs of input channels (2cp, 2cp+1) packed in one
 * word. Stride 1: one padded input row per (cp, input row), bw = wpad + k - 1
 * wide, in a ring of k slots (input row iy in slot (iy + pad) % k) whose first k - 1
 * slots are also kept after it (2k - 1 rows per channel pair), so that the k rows of
 * output row y are consecutive: tap (cp, ky, kx) reads row y % k + ky of its channel pair,
 * from column kx. Moving to the next output row reads one new input row per channel pair.
 * For k = 3 the taps of a channel pair are then 9 rows at one stride (the Cortex-M4 kernel,
 * gen_kernels.c, relies on it). Stride 2: one row per tap (cp, ky, kx), wpad wide, holding
 * input columns 2x + kx - pad. offs[t] says where tap t's row starts: all the other
 * kernels need to know. */
HOT_ATTR static void build_band(gen_arena_t *a, const gen_plan_t *p, const gen_layer_t *L, int y,
                                int next_row)
{
    int16_t r0[2 * GEN_ROW_MAX + 8], r1[2 * GEN_ROW_MAX + 8];
    int k = L->k, st = L->stride, w = L->hw_out, wpad = L->wpad, pad = k / 2, kk = k * k;
    if (st == 1) {
        int len = L->bw, rows = 2 * k - 1;
        for (int c = 0; c < L->cin; c += 2)
            for (int ky = next_row ? k - 1 : 0; ky < k; ky++) {
                int slot = (y + ky) % k;
                uint32_t *b = a->band + (c / 2 * rows + slot) * len;
                uint32_t *copy = slot < k - 1 ? b + k * len : b;
                input_row(a, p, L, c, y + ky - pad, r0, len);
                input_row(a, p, L, c + 1, y + ky - pad, r1, len);
                for (int x = 0; x < len; x++)
                    b[x] = copy[x] = gk_pair(r0[x], r1[x]);
            }
        for (int t = 0; t < L->taps; t++) {
            int cp = t / kk, ky = t % kk / k, kx = t % k;
            a->offs[t] = (cp * rows + y % k + ky) * len + kx;
        }
        return;
    }
    int len = L->hw_in + 2 * pad;
    uint32_t *b = a->band;
    for (int c = 0; c < L->cin; c += 2)
        for (int ky = 0; ky < k; ky++) {
            input_row(a, p, L, c, y * st + ky - pad, r0, len);
            input_row(a, p, L, c + 1, y * st + ky - pad, r1, len);
            for (int kx = 0; kx < k; kx++, b += wpad) {
                int x = 0;
                for (; x < w; x++)
                    b[x] = gk_pair(r0[x * st + kx], r1[x * st + kx]);
                for (; x < wpad; x++)
                    b[x] = 0;
            }
        }
    for (int t = 0; t < L->taps; t++)
        a->offs[t] = t * wpad;
}

/* wpack[block][t][j] = the weight pair of input channels (2cp, 2cp+1) at tap t
 * for output channel cg + 4 block + j, for the group of L->group channels
 * starting at cg. */
HOT_ATTR static void pack_weights(gen_arena_t *a, const gen_layer_t *L, int cg)
{
    int kk = L->k * L->k;
    for (int j = 0; j < L->group; j++) {
        uint32_t *w = a->wpack + (j / GEN_CO_BLOCK) * L->taps * GEN_CO_BLOCK + j % GEN_CO_BLOCK;
        int co = cg + j;
        if (co >= L->cout) { /* the padding channels of the last block */
            for (int t = 0; t < L->taps; t++, w += GEN_CO_BLOCK)
                *w = 0;
            continue;
        }
        const int8_t *wr = md_conv_w + L->w_off + co * L->cin * kk;
        for (int c = 0; c < L->cin; c += 2, wr += kk)
            for (int tap = 0; tap < kk; tap++, w += GEN_CO_BLOCK, wr++)
                *w = gk_pair(wr[0], c + 1 < L->cin ? wr[kk] : 0);
    }
}

static void conv_unit(gen_fwd_t *f, gen_arena_t *a, const gen_plan_t *p)
{
    const gen_layer_t *L = &p->l[f->layer];
    uint64_t t0 = gp_now();
    if (f->pack_layer != f->layer || f->pack_cg != f->cg) {
        pack_weights(a, L, f->cg);
        f->pack_layer = f->layer, f->pack_cg = f->cg;
        t0 = gp_mark(GEN_PROF_PACK, t0, 0);
    }
    if (f->band_layer != f->layer || f->band_y != f->y || f->band_cg != f->cg) {
        int next = f->band_layer == f->layer && f->band_cg == f->cg && f->band_y == f->y - 1;
        build_band(a, p, L, f->y, next);
        f->band_layer = f->layer, f->band_y = f->y, f->band_cg = f->cg;
        t0 = gp_mark(GEN_PROF_BAND, t0, 0);
    }
    int32_t acc[GEN_CO_BLOCK][GEN_ROW_MAX];
    gk_conv_rows(a->band, a->offs,
                 a->wpack + (f->co - f->cg) / GEN_CO_BLOCK * L->taps * GEN_CO_BLOCK, L, acc);
    int nco = L->cout - f->co < GEN_CO_BLOCK ? L->cout - f->co : GEN_CO_BLOCK;
    t0 = gp_mark(L->k == 1        ? GEN_PROF_CONV1
                 : L->stride == 1 ? GEN_PROF_CONV3
                                  : GEN_PROF_CONV3_S2,
                 t0, L->row_macs * (uint32_t)nco);
    int t = f->layer + 1, n = L->hw_out;
    for (int j = 0; j < GEN_CO_BLOCK && f->co + j < L->cout; j++) {
        int co = f->co + j, ch = L->ch_off + co;
        int32_t gb[2];
        if (L->film_off >= 0) {
            gb[0] = a->gb[L->film_off + co];
            gb[1] = a->gb[L->film_off + L->cout + co];
        }
        size_t at = (size_t)(co * n + f->y) * (size_t)n;
        void *out = p->wide[t] ? (void *)((int16_t *)(void *)(a->act + p->off[t]) + at)
                               : (void *)(a->act + p->off[t] + at);
        gk_epilogue(acc[j], n, md_conv_b[ch], md_conv_m[ch], md_conv_s[ch], L->out16,
                    L->film_off >= 0 ? gb : NULL, L->lut >= 0 ? md_luts + L->lut * 256 : NULL, out);
    }
    gp_mark(GEN_PROF_EPILOGUE, t0, 0);
    /* Next unit: the channel blocks of this group on this row, then the next row,
     * then the next group of channels (packed weights are kept per group), then
     * the next layer. */
    f->co += GEN_CO_BLOCK;
    if (f->co < f->cg + L->group && f->co < L->cout) return;
    f->co = f->cg;
    if (++f->y < L->hw_out) return;
    f->y = 0;
    f->cg += L->group;
    f->co = f->cg;
    if (f->cg < L->cout) return;
    f->cg = f->co = 0;
    if (f->trace)
        gen_trace_emit(layer_names[f->layer],
                       gen_fnv1a(GEN_FNV_INIT, tensor(a, p, t), (size_t)tensor_bytes(p, t)));
    if (++f->layer == MD_NLAYERS) f->phase = GN_DONE;
}

/* ---- the forward as a sequence of units
 * -------------------------------------------------- */

void gn_forward_begin(gen_fwd_t *f, gen_arena_t *a, const gen_plan_t *p,
                      const uint8_t slots[MD_NSLOTS], int t, int trace)
{
    memset(f, 0, sizeof *f);
    f->phase = GN_FC1;
    f->t = t;
    f->trace = trace;
    f->band_layer = f->pack_layer = -1;
    memcpy(f->slots, slots, MD_NSLOTS);
    /* The coordinate planes after x (SPEC 3): constant, but rewritten here so that
     * nothing else has to know they share x's array. */
    int16_t *plane = a->x + GEN_NPIX;
    for (int y = 0; y < GEN_H; y++)
        for (int x = 0; x < GEN_W; x++) {
            plane[y * GEN_W + x] = md_coord[x];
            plane[GEN_W * GEN_H + y * GEN_W + x] = md_coord[y];
        }
    (void)p;
}

uint32_t gn_unit_cost(const gen_fwd_t *f, const gen_plan_t *p)
{
    switch (f->phase) {
    case GN_FC1:
        return MD_COND_IN;
    case GN_FILM:
        return MD_HID;
    case GN_CONV: {
        const gen_layer_t *L = &p->l[f->layer];
        int n = L->cout - f->co < GEN_CO_BLOCK ? L->cout - f->co : GEN_CO_BLOCK;
        return L->row_macs * (uint32_t)n;
    }
    default:
        return 0;
    }
}

void gn_unit(gen_fwd_t *f, gen_arena_t *a, const gen_plan_t *p)
{
    uint64_t t0 = gp_now();
    switch (f->phase) {
    case GN_FC1: {
        int j = f->j;
        if (j == 0) cond_input(f, a);
        int32_t acc = md_fc1_b[j] + dot8(md_fc1_w + j * MD_COND_IN, a->e, MD_COND_IN);
        a->h[j] = md_fc1_lut[gk_sat(gk_rq(acc, md_fc1_m[j], md_fc1_s[j]), -128, 127) + 128];
        gp_mark(GEN_PROF_COND, t0, MD_COND_IN);
        if (++f->j == MD_HID) {
            f->j = 0;
            f->phase = GN_FILM;
            if (f->trace) {
                gen_trace_emit("cond.e", gen_fnv1a(GEN_FNV_INIT, a->e, MD_COND_IN));
                gen_trace_emit("cond.h", gen_fnv1a(GEN_FNV_INIT, a->h, MD_HID));
            }
        }
        break;
    }
    case GN_FILM: {
        int k = f->j;
        int32_t acc = md_film_b[k] + dot8(md_film_w + k * MD_HID, a->h, MD_HID);
        a->gb[k] = gk_sat(gk_rq(acc, md_film_m[k], md_film_s[k]), INT32_MIN, INT32_MAX);
        gp_mark(GEN_PROF_COND, t0, MD_HID);
        if (++f->j == MD_NFILM) {
            f->phase = GN_CONV;
            if (f->trace) gen_trace_emit("cond.gb", gen_fnv1a(GEN_FNV_INIT, a->gb, sizeof a->gb));
        }
        break;
    }
    case GN_CONV:
        conv_unit(f, a, p);
        break;
    default:
        break;
    }
}

const int16_t *gn_output(const gen_arena_t *a, const gen_plan_t *p)
{
    return (const int16_t *)(const void *)(a->act + p->off[MD_NLAYERS]);
}
