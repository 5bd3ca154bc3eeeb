/* The TLS heap, split into arenas: one shared (the parsed identity, ticket keys: what lives
 * as long as the layer) and one per session. mbedTLS's calloc and free come here; calloc
 * takes from the arena made current with tls_arena_use(), falling back to the shared one,
 * and free finds a block's arena from its address.
 *
 * Why not one heap: a session's buffers are ~20 KB and its handshake allocates and frees
 * a few KB more around them, so one shared first-fit heap is torn by sessions that come and
 * go around a long-lived one (a WebSocket over TLS): 28 KB free in pieces, and the next
 * session's post-handshake allocation failed. An arena is empty again when its session ends,
 * whatever the others do.
 *
 * Blocks: an 8-byte header (size with the header, in use or not) before 8-aligned data;
 * first fit, split when the rest can hold a block, neighbours merged as calloc walks past
 * them. Single-threaded, like everything here. */
#ifndef EDGE_TLS_ARENA_H
#define EDGE_TLS_ARENA_H

#include <stddef.h>

#define TLS_ARENA_SHARED (-1)

typedef struct {
    size_t size, used, peak; /* bytes, headers included */
    unsigned blocks;         /* blocks in use */
    size_t session_peak;     /* tls_arena_total only: the most one session arena has held */
} tls_arena_stats_t;

/* Split heap (len bytes, 8-aligned) into a shared arena of shared_len bytes and n equal
 * session arenas. */
void tls_arena_init(void *heap, size_t len, size_t shared_len, int n);
/* Arena calloc takes from: 0..n-1, or TLS_ARENA_SHARED. Returns the previous one. */
int tls_arena_use(int arena);
void *tls_arena_calloc(size_t n, size_t size);
void tls_arena_free(void *p);
/* One arena's figures (TLS_ARENA_SHARED for the shared one), and the whole heap's. */
tls_arena_stats_t tls_arena_stats(int arena);
tls_arena_stats_t tls_arena_total(void);

#endif
