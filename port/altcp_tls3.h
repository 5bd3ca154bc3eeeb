/* A TLS server layer for lwIP's altcp API on mbedTLS 3.6 (lwIP's own altcp_tls_mbedtls
 * targets mbedTLS 2.x). An accepted TCP connection is wrapped; the application then sees an
 * altcp_pcb like any other, with plaintext in and out.
 *
 * Memory: mbedTLS allocates only from one static buffer (TLS_HEAP_SIZE, app/config.h), split
 * into a shared arena and one per session (port/tls_arena.h). Sessions are bounded by MAX_TLS,
 * handshakes in flight by TLS_HANDSHAKES_MAX; a handshake not finished within
 * TLS_HANDSHAKE_TIMEOUT_MS is dropped. */
#ifndef EDGE_ALTCP_TLS3_H
#define EDGE_ALTCP_TLS3_H

#include <stddef.h>
#include <stdint.h>

struct altcp_pcb;

typedef struct {
    uint32_t sessions, sessions_peak;       /* TLS connections now, and the most at once */
    uint32_t handshakes, handshakes_peak;   /* in flight now, and the most at once */
    uint32_t handshakes_waiting;            /* accepted, waiting for a handshake slot */
    uint32_t completed, resumed;            /* finished handshakes; of them, resumed by ticket */
    uint32_t failed, timeouts;              /* handshakes that failed; of them, timed out */
    uint32_t refused;                       /* connections refused: no session or memory */
    uint32_t alerts_in, errors;             /* closes by the peer's alert; other record errors */
    uint32_t full_ms_last, resumed_ms_last; /* duration of the last full / resumed handshake */
    uint32_t full_cpu_us, resumed_cpu_us;   /* time spent in handshake steps, summed per kind
                                             * (wraps after 71 minutes of handshake work) */
    uint32_t full_cpu_min_us, resumed_cpu_min_us; /* the least one handshake took, per kind */
    uint32_t step_max_us;                         /* the longest single handshake step */
    size_t heap_size, heap_used, heap_peak;       /* the static heap: size, in use, high-water */
    size_t heap_baseline;     /* in use when no session exists (keys, certificate) */
    size_t heap_session_peak; /* the most one session's arena has held */
} tls3_stats_t;

/* Sets up the heap, the random generator, the device identity (DER certificate chain and
 * private key) and the ticket keys. Returns 0, or -1 (logged): TLS then stays off. */
int tls3_init(const uint8_t *cert_der, size_t cert_len, const uint8_t *key_der, size_t key_len);
int tls3_ready(void);

/* Wraps an accepted TCP connection. On success the returned pcb owns inner; on NULL (no
 * session, or TLS memory exhausted) inner is untouched and the caller closes it. */
struct altcp_pcb *tls3_wrap(struct altcp_pcb *inner);

/* Every superloop pass: deferred work, waiting handshakes, timeouts. Returns 1 when work
 * is left for the next pass (the loop must not sleep). */
int tls3_poll(uint32_t now);

/* Whether pcb is a TLS connection of this layer. */
int tls3_is_tls(const struct altcp_pcb *pcb);

const tls3_stats_t *tls3_stats(void);

#endif
