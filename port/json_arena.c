/* A bump allocator: cJSON allocates many small nodes for one message and frees them all
 * together, so a reset after each message is all the freeing that is needed. */
#include "port/json_arena.h"

#include <stdint.h>
#include <string.h>

static _Alignas(max_align_t) uint8_t arena[JSON_ARENA_SIZE];
static size_t used, peak;

#define ALIGN(n) (((n) + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1))

/* Each block starts with its size so that realloc can copy. */
typedef struct {
    size_t size;
    _Alignas(max_align_t) uint8_t data[];
} block_t;

void *json_arena_malloc(size_t n)
{
    size_t need = ALIGN(sizeof(block_t) + n);
    if (n == 0 || need > sizeof arena - used)
        return NULL; /* cJSON reports a parse failure; the caller answers 413/400 */
    block_t *b = (block_t *)(arena + used);
    b->size = n;
    used += need;
    if (used > peak) peak = used;
    return b->data;
}

void json_arena_free(void *p)
{
    (void)p;
}

void *json_arena_realloc(void *p, size_t n)
{
    if (p == NULL) return json_arena_malloc(n);
    block_t *b = (block_t *)((uint8_t *)p - offsetof(block_t, data));
    if (n <= b->size) return p;
    void *q = json_arena_malloc(n);
    if (q) memcpy(q, p, b->size);
    return q;
}

void json_arena_reset(void)
{
    used = 0;
}

size_t json_arena_used(void)
{
    return used;
}

size_t json_arena_peak(void)
{
    return peak;
}
