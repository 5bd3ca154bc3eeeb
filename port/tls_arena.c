/* The TLS heap's arenas: see tls_arena.h for why and for the block format. */
#include "port/tls_arena.h"

#include <stdint.h>
#include <string.h>

#include "app/config.h"

#define HDR sizeof(hdr_t)

typedef struct {
    uint32_t size; /* of the block, header included; a multiple of 8 */
    uint32_t used;
} hdr_t;
_Static_assert(sizeof(hdr_t) == 8, "data after a header stays 8-aligned");

typedef struct {
    uint8_t *base;
    tls_arena_stats_t st;
} arena_t;

/* arenas[0] is the shared one, arenas[1 + i] session arena i. */
static arena_t arenas[1 + MAX_TLS];
static int n_arenas;
static int cur;
static size_t total_used, total_peak, session_peak;

static size_t round8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

void tls_arena_init(void *heap, size_t len, size_t shared_len, int n)
{
    memset(arenas, 0, sizeof arenas);
    if (n < 0) n = 0;
    if (n > MAX_TLS) n = MAX_TLS;
    shared_len &= ~(size_t)7u;
    size_t each = n ? ((len - shared_len) / (size_t)n) & ~(size_t)7u : 0;
    n_arenas = 1 + n;
    uint8_t *p = heap;
    for (int i = 0; i < n_arenas; i++) {
        arena_t *a = &arenas[i];
        a->base = p;
        a->st.size = i == 0 ? shared_len : each;
        hdr_t *h = (hdr_t *)(void *)p;
        h->size = (uint32_t)a->st.size;
        h->used = 0;
        p += a->st.size;
    }
    cur = 0;
    total_used = total_peak = session_peak = 0;
}

int tls_arena_use(int arena)
{
    int prev = cur - 1;
    cur = arena >= 0 && arena + 1 < n_arenas ? arena + 1 : 0;
    return prev;
}

/* First fit; free neighbours are merged on the way, so the walk is also the clean-up. */
static void *take(arena_t *a, size_t need)
{
    uint8_t *p = a->base, *end = a->base + a->st.size;
    while (p < end) {
        hdr_t *h = (hdr_t *)(void *)p;
        if (!h->used) {
            while (p + h->size < end && !((hdr_t *)(void *)(p + h->size))->used)
                h->size += ((hdr_t *)(void *)(p + h->size))->size;
            if (h->size >= need) {
                if (h->size - need >= 2 * HDR) {
                    hdr_t *rest = (hdr_t *)(void *)(p + need);
                    rest->size = (uint32_t)(h->size - need);
                    rest->used = 0;
                    h->size = (uint32_t)need;
                }
                h->used = 1;
                a->st.used += h->size;
                a->st.blocks++;
                if (a->st.used > a->st.peak) a->st.peak = a->st.used;
                if (a != &arenas[0] && a->st.peak > session_peak) session_peak = a->st.peak;
                total_used += h->size;
                if (total_used > total_peak) total_peak = total_used;
                memset(p + HDR, 0, h->size - HDR);
                return p + HDR;
            }
        }
        p += h->size;
    }
    return NULL;
}

void *tls_arena_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0 || n > SIZE_MAX / size || n_arenas == 0) return NULL;
    size_t bytes = n * size;
    if (bytes > UINT32_MAX / 2) return NULL;
    size_t need = HDR + round8(bytes);
    void *p = take(&arenas[cur], need);
    if (!p && cur != 0) p = take(&arenas[0], need); /* a session's overflow, if it is small */
    return p;
}

void tls_arena_free(void *ptr)
{
    uint8_t *p = ptr;
    if (!p) return;
    for (int i = 0; i < n_arenas; i++) {
        arena_t *a = &arenas[i];
        if (p < a->base + HDR || p >= a->base + a->st.size) continue;
        hdr_t *h = (hdr_t *)(void *)(p - HDR);
        if (!h->used) return; /* a double free: ignored rather than corrupting the arena */
        h->used = 0;
        a->st.used -= h->size;
        a->st.blocks--;
        total_used -= h->size;
        return;
    }
}

tls_arena_stats_t tls_arena_stats(int arena)
{
    int i = arena >= 0 ? arena + 1 : 0;
    tls_arena_stats_t none = {0, 0, 0, 0, 0};
    return i < n_arenas ? arenas[i].st : none;
}

tls_arena_stats_t tls_arena_total(void)
{
    tls_arena_stats_t t = {0, total_used, total_peak, 0, session_peak};
    for (int i = 0; i < n_arenas; i++) {
        t.size += arenas[i].st.size;
        t.blocks += arenas[i].st.blocks;
    }
    return t;
}
