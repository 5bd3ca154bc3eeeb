/* altcp TLS layer on mbedTLS 3.6 (see altcp_tls3.h).
 *
 * Each wrapped connection is two altcp pcbs: `conn`, the one the application holds, whose
 * functions are below, and `inner`, the TCP connection under it. Ciphertext from TCP waits in
 * lwIP's pbufs and the TCP window reopens only for what mbedTLS has read; plaintext goes up in
 * MSS-sized pbufs, and no more is decrypted while the application holds TLS_RX_HOLD bytes it
 * has not acknowledged with altcp_recved, so a slow reader slows the peer through TCP itself.
 * Output: altcp_sndbuf(conn) is what one record can carry given TCP's send room, and each
 * write becomes one record; a record TCP could not take whole stays in mbedTLS's output
 * buffer and is pushed from the sent and poll callbacks, with sndbuf 0 until then.
 *
 * Callbacks into the application may call back into this layer (altcp_recved, write, close,
 * abort), so every entry from lwIP runs `pump` under a busy flag, and a close or abort asked
 * for meanwhile is carried out when the pump unwinds. */
#include "port/altcp_tls3.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/board.h"
#include "app/config.h"
#include "app/log.h"
#include "lwip/altcp.h"
#include "lwip/priv/altcp_priv.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ticket.h"
#include "mbedtls/x509_crt.h"
#include "port/cb_frame.h"
#include "port/tcp_guard.h"
#include "port/tls_arena.h"
#include "psa/crypto.h"

/* ---- platform hooks named in port/mbedtls_config.h ---------------------------------- */

void *edge_tls_no_calloc(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

void edge_tls_no_free(void *p)
{
    (void)p;
}

int edge_tls_fprintf(void *stream, const char *fmt, ...)
{
    (void)stream;
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[len - 1] = '\0';
    if (line[0]) LOGE("mbedtls: %s", line);
    return n;
}

long long edge_tls_time(long long *t)
{
    long long s = (long long)(board_now_ms() / 1000u);
    if (t) *t = s;
    return s;
}

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)board_now_ms();
}

/* ---- state ----------------------------------------------------------------------- */

/* The one heap mbedTLS allocates from; its size and what it holds are in app/config.h. */
static _Alignas(8) unsigned char heap[TLS_HEAP_SIZE];

static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config conf;
static mbedtls_x509_crt cert;
static mbedtls_pk_context key;
static mbedtls_ssl_ticket_context tickets;
static int ready;
static tls3_stats_t st;

/* Why TLS 1.2 and 1.3 only, and these: forward secrecy always (ECDHE), AEAD only (no CBC),
 * and nothing that needs an RSA key. */
static const int suites[] = {MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
                             MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
                             MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                             MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
static const uint16_t sig_algs[] = {MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
                                    MBEDTLS_TLS1_3_SIG_NONE};

enum { PH_FREE, PH_WAIT, PH_HANDSHAKE, PH_OPEN, PH_CLOSING };

typedef struct {
    mbedtls_ssl_context ssl;
    struct altcp_pcb *conn;  /* the application's pcb; NULL once it is freed */
    struct altcp_pcb *inner; /* the TCP connection; NULL once it is gone */
    struct pbuf *rx;         /* ciphertext mbedTLS has not read yet */
    uint32_t t_start;        /* accepted; then the handshake's start, for its duration */
    uint32_t plain_held;     /* plaintext given to the application, not yet recved */
    uint32_t cpu_us;         /* spent in this handshake's steps */
    uint16_t pend_len;       /* record in mbedTLS's output buffer, waiting for TCP room */
    uint8_t phase;
    uint8_t busy;     /* inside pump: closes and aborts are deferred */
    uint8_t again;    /* something asked for another round while busy */
    uint8_t rx_eof;   /* TCP's FIN arrived */
    uint8_t eof_sent; /* the application was told (recv with NULL) */
    uint8_t app_gone; /* the application closed or aborted conn */
    uint8_t want_fin; /* close_notify and FIN once the output is flushed */
    uint8_t kill;     /* abort everything when the pump unwinds */
    uint8_t resumed;  /* the handshake took a ticket */
    uint8_t kick;     /* work to do from tls3_poll, outside any application call */
    uint8_t broken;   /* a record error seen inside an application call */
    uint8_t notified; /* close_notify sent */
    uint8_t tx_shut;  /* our FIN is sent: the peer's FIN ends TCP (see inner_recv); not
                       * `notified`, which is also set when altcp_shutdown failed and no FIN
                       * left, and then the PCB cannot reach TIME_WAIT */
    uint8_t setup;    /* ssl is set up: its buffers are in its arena */
    int8_t arena;     /* its arena of the TLS heap (port/tls_arena.h) while set up */
} sess_t;

static sess_t sess[TLS_CONNS];
static sess_t *current; /* the session whose handshake is running, for the ticket hook */

static void heap_sample(void)
{
    tls_arena_stats_t t = tls_arena_total();
    st.heap_used = t.used;
    st.heap_peak = t.peak;
    st.heap_session_peak = t.session_peak;
}

/* mbedTLS allocates from the arena of the session it works for: every call on a session
 * goes through here first. */
static mbedtls_ssl_context *on(sess_t *s)
{
    tls_arena_use(s->arena);
    return &s->ssl;
}

const tls3_stats_t *tls3_stats(void)
{
    if (ready) heap_sample();
    return &st;
}

int tls3_ready(void)
{
    return ready;
}

/* ---- random --------------------------------------------------------------------- */

static int entropy_cb(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return board_entropy(buf, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* PSA takes its randomness from the same DRBG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG). */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
                                             uint8_t *out, size_t size, size_t *len)
{
    (void)ctx;
    if (mbedtls_ctr_drbg_random(&drbg, out, size) != 0) return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *len = size;
    return PSA_SUCCESS;
}

/* A ticket the peer showed and we could open: this handshake is a resumption. */
static int ticket_parse(void *p, mbedtls_ssl_session *session, unsigned char *buf, size_t len)
{
    int prev = tls_arena_use(TLS_ARENA_SHARED); /* a key rotation lives as long as the layer */
    int r = mbedtls_ssl_ticket_parse(p, session, buf, len);
    tls_arena_use(prev);
    if (r == 0 && current) current->resumed = 1;
    return r;
}

static int ticket_write(void *p, const mbedtls_ssl_session *session, unsigned char *start,
                        const unsigned char *end, size_t *tlen, uint32_t *lifetime)
{
    int prev = tls_arena_use(TLS_ARENA_SHARED);
    int r = mbedtls_ssl_ticket_write(p, session, start, end, tlen, lifetime);
    tls_arena_use(prev);
    return r;
}

/* Codes only (mbedTLS's error strings would cost ~30 KB of flash): see mbedtls/ssl.h. */
static void log_err(const char *what, int r)
{
    if (r == MBEDTLS_ERR_SSL_ALLOC_FAILED) { /* how full the heap is says what to resize */
        tls_arena_stats_t t = tls_arena_total();
        LOGW("tls: %s: out of TLS heap (%u of %u B in use, %u sessions)", what, (unsigned)t.used,
             (unsigned)t.size, (unsigned)st.sessions);
        return;
    }
    LOGW("tls: %s: -0x%04x", what, (unsigned)-r);
}

int tls3_init(const uint8_t *cert_der, size_t cert_len, const uint8_t *key_der, size_t key_len)
{
    int r;
    memset(&st, 0, sizeof st);
    memset(sess, 0, sizeof sess);
    tls_arena_init(heap, sizeof heap, TLS_HEAP_SHARED, MAX_TLS);
    mbedtls_platform_set_calloc_free(tls_arena_calloc, tls_arena_free);
    tls_arena_use(TLS_ARENA_SHARED);
    st.heap_size = sizeof heap;
    mbedtls_ctr_drbg_init(&drbg);
    static const unsigned char pers[] = "edgeartist tls";
    if ((r = mbedtls_ctr_drbg_seed(&drbg, entropy_cb, NULL, pers, sizeof pers - 1)) != 0) {
        log_err("drbg", r);
        return -1;
    }
    if (psa_crypto_init() != PSA_SUCCESS) {
        LOGE("tls: PSA crypto did not start");
        return -1;
    }
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    if ((r = mbedtls_x509_crt_parse_der(&cert, cert_der, cert_len)) != 0) {
        log_err("device certificate", r);
        return -1;
    }
    if ((r = mbedtls_pk_parse_key(&key, key_der, key_len, NULL, 0, mbedtls_ctr_drbg_random,
                                  &drbg)) != 0) {
        log_err("device key", r);
        return -1;
    }
    mbedtls_ssl_config_init(&conf);
    if ((r = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        log_err("config", r);
        return -1;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    mbedtls_ssl_conf_groups(&conf, groups);
    mbedtls_ssl_conf_sig_algs(&conf, sig_algs);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
    if ((r = mbedtls_ssl_conf_own_cert(&conf, &cert, &key)) != 0) {
        log_err("own certificate", r);
        return -1;
    }
    /* Tickets: the server keeps no per-client state; a returning client skips the
     * certificate signature and (1.2) the key exchange. Keys rotate with the lifetime. */
    mbedtls_ssl_ticket_init(&tickets);
    if ((r = mbedtls_ssl_ticket_setup(&tickets, mbedtls_ctr_drbg_random, &drbg,
                                      MBEDTLS_CIPHER_AES_128_GCM, TLS_TICKET_LIFETIME_S)) != 0) {
        log_err("tickets", r);
        return -1;
    }
    mbedtls_ssl_conf_session_tickets_cb(&conf, ticket_write, ticket_parse, &tickets);
    heap_sample();
    st.heap_baseline = st.heap_used;
    ready = 1;
    LOGI("tls: ready, %u sessions, heap %u B (%u B in use: identity and tickets)",
         (unsigned)MAX_TLS, (unsigned)sizeof heap, (unsigned)st.heap_used);
    return 0;
}

/* ---- BIO: mbedTLS's records over the inner TCP pcb -------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    sess_t *s = ctx;
    if (!s->inner) return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    size_t room = altcp_sndbuf(s->inner);
    if (room > len) room = len;
    if (room > 0xffffu) room = 0xffffu;
    if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (altcp_write(s->inner, buf, (u16_t)room, TCP_WRITE_FLAG_COPY) != ERR_OK)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return (int)room;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    sess_t *s = ctx;
    if (!s->rx) return s->rx_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
    if (len > s->rx->tot_len) len = s->rx->tot_len;
    if (len > 0xffffu) len = 0xffffu;
    u16_t n = pbuf_copy_partial(s->rx, buf, (u16_t)len, 0);
    if (n == s->rx->tot_len) {
        pbuf_free(s->rx);
        s->rx = NULL;
    } else {
        s->rx = pbuf_free_header(s->rx, n);
    }
    /* Taken by mbedTLS: TCP may send more (the record buffer holds up to 16 KB). */
    if (s->inner) altcp_recved(s->inner, n);
    return (int)n;
}

/* ---- session life ------------------------------------------------------------------ */

static const struct altcp_functions tls_fns;
static err_t inner_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t inner_sent(void *arg, struct altcp_pcb *pcb, u16_t len);
static void inner_err(void *arg, err_t err);

static void detach_inner(sess_t *s)
{
    if (!s->inner) return;
    altcp_arg(s->inner, NULL);
    altcp_recv(s->inner, NULL);
    altcp_sent(s->inner, NULL);
    altcp_err(s->inner, NULL);
}

/* The session's record buffers and state, from the heap; fails when it is exhausted. */
static int sess_setup(sess_t *s)
{
    int used[MAX_TLS] = {0};
    for (int i = 0; i < TLS_CONNS; i++)
        if (sess[i].setup) used[sess[i].arena] = 1;
    s->arena = -1;
    for (int i = 0; i < MAX_TLS && s->arena < 0; i++)
        if (!used[i]) s->arena = (int8_t)i;
    if (s->arena < 0) return -1; /* st.sessions < MAX_TLS was checked: cannot happen */
    mbedtls_ssl_init(&s->ssl);
    int r = mbedtls_ssl_setup(on(s), &conf);
    if (r != 0) {
        mbedtls_ssl_free(&s->ssl);
        log_err("no memory for a session", r);
        return -1;
    }
    mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
    s->setup = 1;
    if (++st.sessions > st.sessions_peak) st.sessions_peak = st.sessions;
    heap_sample();
    return 0;
}

static void admit_waiting(void);

static void sess_release(sess_t *s)
{
    if (s->phase == PH_HANDSHAKE) st.handshakes--;
    if (s->phase == PH_WAIT) st.handshakes_waiting--;
    if (s->rx) {
        pbuf_free(s->rx);
        s->rx = NULL;
    }
    if (s->setup) {
        mbedtls_ssl_free(&s->ssl);
        st.sessions--;
        size_t left = tls_arena_stats(s->arena).used;
        if (left) LOGW("tls: arena %d keeps %u B after its session", s->arena, (unsigned)left);
    }
    if (s->conn) {
        s->conn->state = NULL;
        altcp_free(s->conn);
    }
    memset(s, 0, sizeof *s);
    s->phase = PH_FREE;
    admit_waiting(); /* a session and maybe a handshake slot are free */
}

/* The application's view ends: its err callback, as lwIP gives one for a lost connection. */
static void tell_app_gone(sess_t *s, err_t err)
{
    if (s->app_gone || !s->conn) return;
    s->app_gone = 1;
    altcp_err_fn fn = s->conn->err;
    void *arg = s->conn->arg;
    if (fn) fn(arg, err);
}

/* The frame of the inner PCB's lwIP callback (recv, sent) that is running (port/cb_frame.h):
 * an abort of that PCB, by this layer or by the application, also through another session's
 * work, makes the callback return ERR_ABRT. */
static cb_frame_t cb;

/* Ends the TCP connection: gracefully when possible (what we sent still goes out). */
static void inner_finish(sess_t *s, int graceful)
{
    struct altcp_pcb *in = s->inner;
    if (!in) return;
    detach_inner(s);
    s->inner = NULL;
    if (graceful) {
        altcp_output(in);
        if (altcp_close(in) == ERR_OK) return;
    }
    cb_frame_abort(&cb, in);
}

/* A fatal condition: the application is told, the peer sees the connection close. */
static void sess_fail(sess_t *s, int graceful)
{
    tell_app_gone(s, ERR_ABRT);
    inner_finish(s, graceful);
    if (s->busy)
        s->kill = 1;
    else
        sess_release(s);
}

static void handshake_done(sess_t *s)
{
    st.handshakes--;
    st.completed++;
    uint32_t ms = board_now_ms() - s->t_start;
    if (s->resumed) {
        st.resumed++;
        st.resumed_ms_last = ms;
        st.resumed_cpu_us += s->cpu_us;
        if (!st.resumed_cpu_min_us || s->cpu_us < st.resumed_cpu_min_us)
            st.resumed_cpu_min_us = s->cpu_us;
    } else {
        st.full_ms_last = ms;
        st.full_cpu_us += s->cpu_us;
        if (!st.full_cpu_min_us || s->cpu_us < st.full_cpu_min_us) st.full_cpu_min_us = s->cpu_us;
    }
    LOGI("tls: handshake %s in %u ms, %u us of work (%s, %s)", s->resumed ? "resumed" : "full",
         (unsigned)ms, (unsigned)s->cpu_us, mbedtls_ssl_get_version(&s->ssl),
         mbedtls_ssl_get_ciphersuite(&s->ssl));
    s->phase = PH_OPEN;
}

/* Promote waiting connections whose ClientHello is in, while sessions and handshake slots
 * are free. Calls nothing of the application: safe from anywhere, also for the session being
 * pumped (its ClientHello may be what just arrived). */
static void admit_waiting(void)
{
    for (int i = 0; i < TLS_CONNS && st.handshakes < TLS_HANDSHAKES_MAX; i++) {
        sess_t *s = &sess[i];
        if (s->phase != PH_WAIT || !s->rx || s->broken) continue;
        if (!s->setup) {
            if (st.sessions >= MAX_TLS) return;
            if (sess_setup(s) != 0) {
                s->broken = 1; /* refused from tls3_poll */
                s->kick = 1;
                continue;
            }
        }
        s->phase = PH_HANDSHAKE;
        st.handshakes_waiting--;
        s->t_start = board_now_ms();
        if (++st.handshakes > st.handshakes_peak) st.handshakes_peak = st.handshakes;
        s->kick = 1; /* its first step runs from tls3_poll */
    }
}

/* One state of the handshake at a time, and more only while this pass is within
 * TLS_STEP_BUDGET_US: each public-key operation (ECDHE key generation and agreement, the
 * ECDSA signature) then has a superloop pass of its own, and other connections are served
 * between them. What remains is the longest single operation (see README, "TLS"). */
static uint32_t pass_spent_us; /* on handshake states since the last tls3_poll */

/* Done only at HANDSHAKE_OVER itself: mbedtls_ssl_is_handshake_over() is already true in
 * TLS 1.3's NewSessionTicket states, and a ticket left to write would be written (and could
 * block) inside the application's first mbedtls_ssl_write. */
static int hs_over(const sess_t *s)
{
    return s->ssl.MBEDTLS_PRIVATE(state) == MBEDTLS_SSL_HANDSHAKE_OVER;
}

static void step_handshake(sess_t *s)
{
    for (;;) {
        if (pass_spent_us >= TLS_STEP_BUDGET_US) {
            s->kick = 1; /* the next state runs in the next pass */
            return;
        }
        current = s;
        uint64_t t0 = board_now_us();
        int r = mbedtls_ssl_handshake_step(on(s));
        uint64_t t1 = board_now_us();
        current = NULL;
        /* A clock that steps back (mps2's SysTick read racing its wrap) counts as 0. */
        uint32_t us = t1 > t0 ? (uint32_t)(t1 - t0) : 0;
        pass_spent_us += us;
        s->cpu_us += us;
        if (us > st.step_max_us) st.step_max_us = us;
        if (r == 0 && hs_over(s)) {
            handshake_done(s);
            return;
        }
        if (r == 0) continue;
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) return;
        st.failed++;
        if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) st.alerts_in++;
        log_err("handshake", r);
        sess_fail(s, 1);
        return;
    }
}

/* Flush a record TCP could not take at once; returns 1 when nothing is pending. */
static int flush_pending(sess_t *s)
{
    if (!s->pend_len) return 1;
    static const unsigned char none[1];
    int r = mbedtls_ssl_write(on(s), none, s->pend_len);
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    s->pend_len = 0;
    if (r < 0) {
        st.errors++;
        log_err("write", r);
        s->broken = 1; /* failed from tls3_poll or the next callback, never inside a write */
        s->kick = 1;
        return 0;
    }
    return 1;
}

static void deliver(sess_t *s)
{
    while (s->phase == PH_OPEN && !s->app_gone && !s->kill && !s->eof_sent &&
           s->plain_held < TLS_RX_HOLD) {
        if (!s->rx && !s->rx_eof && mbedtls_ssl_get_bytes_avail(&s->ssl) == 0) return;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, TCP_MSS, PBUF_RAM);
        if (!p) { /* lwIP's heap is short: the poll retries */
            s->kick = 1;
            return;
        }
        int r = mbedtls_ssl_read(on(s), p->payload, TCP_MSS);
        if (r > 0) {
            pbuf_realloc(p, (u16_t)r);
            s->plain_held += (uint32_t)r;
            struct altcp_pcb *c = s->conn;
            if (c->recv) {
                if (c->recv(c->arg, c, p, ERR_OK) == ERR_ABRT) return;
            } else {
                s->plain_held -= (uint32_t)r;
                pbuf_free(p);
            }
            continue;
        }
        pbuf_free(p);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) return;
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
        if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
#endif
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_SSL_CONN_EOF) {
            /* The peer is done: the application sees its FIN. */
            s->eof_sent = 1;
            struct altcp_pcb *c = s->conn;
            if (c->recv) c->recv(c->arg, c, NULL, ERR_OK);
            return;
        }
        if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
            st.alerts_in++;
        else
            st.errors++;
        log_err("read", r);
        sess_fail(s, 0);
        return;
    }
}

/* The application closed while a record or its close was still to go: finish that. */
static void step_closing(sess_t *s)
{
    if (!s->broken && !flush_pending(s)) return;
    if (s->phase != PH_CLOSING) return;
    if (!s->notified && !s->broken) mbedtls_ssl_close_notify(on(s)); /* best effort */
    inner_finish(s, !s->broken);
    if (s->busy)
        s->kill = 1;
    else
        sess_release(s);
}

static void pump_once(sess_t *s)
{
    int opened = 0; /* the handshake ended in this call */
    if (s->phase == PH_WAIT && (s->broken || s->rx_eof)) {
        /* No memory for its session, or the peer left while waiting. */
        if (s->broken)
            st.refused++;
        else
            st.failed++;
        sess_fail(s, 1);
        return;
    }
    if (s->phase == PH_WAIT && s->rx) admit_waiting();
    if (s->phase == PH_HANDSHAKE) {
        if (s->rx_eof && !s->rx) {
            st.failed++;
            sess_fail(s, 1); /* the peer left mid-handshake */
            return;
        }
        step_handshake(s);
        if (s->phase != PH_OPEN) return;
        admit_waiting(); /* the slot is free for the next one */
        opened = 1;
    }
    if (s->phase == PH_CLOSING) {
        step_closing(s);
        return;
    }
    if (s->phase != PH_OPEN || s->kill) return;
    if (s->broken) {
        sess_fail(s, 0);
        return;
    }
    int was_pending = s->pend_len != 0;
    if (!flush_pending(s)) return;
    if (s->want_fin) {
        s->want_fin = 0;
        s->notified = 1;
        mbedtls_ssl_close_notify(on(s));
        if (s->inner && altcp_shutdown(s->inner, 0, 1) == ERR_OK) s->tx_shut = 1;
    }
    deliver(s);
    /* Room again; or, once the handshake is over, room at all: the application learns that
     * its connection is open (HTTP then times an unused connection from here). */
    if ((was_pending || opened) && !s->app_gone && !s->kill && s->phase == PH_OPEN && s->conn &&
        s->conn->sent)
        s->conn->sent(s->conn->arg, s->conn, 0);
}

/* Runs the session until nothing changes. */
static void pump(sess_t *s)
{
    if (s->busy) {
        s->again = 1;
        return;
    }
    s->busy = 1;
    do {
        s->again = 0;
        pump_once(s);
    } while (s->again && !s->kill && s->phase != PH_FREE);
    if (s->inner && s->kill) inner_finish(s, 0);
    s->busy = 0;
    if (s->inner) altcp_output(s->inner);
    if (s->kill) sess_release(s);
}

/* Another session's handshake ended: wake those waiting for its slot. */
static void wake_waiting(void)
{
    for (int i = 0; i < TLS_CONNS; i++)
        if (sess[i].phase == PH_WAIT && sess[i].rx && !sess[i].busy) pump(&sess[i]);
}

/* ---- callbacks from the inner TCP pcb ------------------------------------------------ */

static err_t inner_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    sess_t *s = arg;
    if (!s) {
        if (p) {
            altcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    cb_frame_t outer = cb_frame_enter(&cb, pcb);
    if (p == NULL || err != ERR_OK) {
        if (p) pbuf_free(p);
        s->rx_eof = 1;
        /* Both FINs are out: lwIP may now put the PCB in TIME_WAIT, and frees it from there
         * without a callback (tcp_kill_timewait when the pool runs short, the 2 MSL timer).
         * Holding it longer would leave inner dangling, and a later close would free it
         * twice. It goes back to lwIP now; the ciphertext it delivered stays in s->rx. */
        if (s->tx_shut) inner_finish(s, 1);
    } else if (s->rx) {
        pbuf_cat(s->rx, p);
    } else {
        s->rx = p;
    }
    int hs = s->phase == PH_HANDSHAKE;
    pump(s);
    if (hs) wake_waiting();
    return cb_frame_leave(&cb, outer);
}

static err_t inner_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    sess_t *s = arg;
    if (!s) return ERR_OK;
    int open = s->phase == PH_OPEN && !s->pend_len;
    cb_frame_t outer = cb_frame_enter(&cb, pcb);
    pump(s);
    /* s may be released from here on if inner was aborted. */
    if (!cb.aborted && open && s->phase == PH_OPEN && !s->app_gone && s->conn && s->conn->sent)
        s->conn->sent(s->conn->arg, s->conn, len);
    return cb_frame_leave(&cb, outer);
}

static void inner_err(void *arg, err_t err)
{
    sess_t *s = arg;
    if (!s) return;
    s->inner = NULL; /* lwIP has freed it */
    if (s->phase == PH_HANDSHAKE || s->phase == PH_WAIT) st.failed++;
    tell_app_gone(s, err);
    if (s->busy)
        s->kill = 1;
    else
        sess_release(s);
}

/* Every superloop pass (app_poll_once, before the connection core's poll): work the application's
 * calls asked for, records waiting for TCP room, waiting handshakes, and timeouts. Never inside a
 * callback. */
int tls3_poll(uint32_t now)
{
    int busy = 0;
    for (int i = 0; i < TLS_CONNS; i++) {
        sess_t *s = &sess[i];
        if (s->phase == PH_FREE || s->busy) continue;
        port_tcp_check_not_time_wait(s->inner,
                                     "tls: a session holds a TIME_WAIT pcb"); /* inner_recv */
        int hs = s->phase == PH_HANDSHAKE || s->phase == PH_WAIT;
        /* t_start: accept for a waiting connection, its admission for a handshake. */
        uint32_t limit = s->phase == PH_WAIT ? TLS_WAIT_TIMEOUT_MS : TLS_HANDSHAKE_TIMEOUT_MS;
        if ((hs || s->phase == PH_CLOSING) && now - s->t_start > limit) {
            if (hs) {
                st.failed++;
                st.timeouts++;
                LOGW("tls: %s after %u ms, dropped",
                     s->phase == PH_WAIT ? "no session free" : "handshake not finished",
                     (unsigned)limit);
            }
            sess_fail(s, 0);
            continue;
        }
        if (s->kick || s->pend_len || s->want_fin || (s->phase == PH_WAIT && s->rx)) {
            s->kick = 0;
            pump(s);
        }
    }
    pass_spent_us = 0;
    for (int i = 0; i < TLS_CONNS; i++)
        busy |= sess[i].kick;
    return busy;
}

/* ---- wrap ------------------------------------------------------------------------- */

struct altcp_pcb *tls3_wrap(struct altcp_pcb *inner)
{
    sess_t *s = NULL;
    if (ready) {
        for (int i = 0; i < TLS_CONNS; i++)
            if (sess[i].phase == PH_FREE) {
                s = &sess[i];
                break;
            }
    }
    if (!s) {
        st.refused++;
        return NULL;
    }
    struct altcp_pcb *conn = altcp_alloc();
    if (!conn) {
        st.refused++;
        return NULL;
    }
    memset(s, 0, sizeof *s);
    /* A session now if one and a handshake slot are free; else the connection waits (its
     * ClientHello stays in TCP) until admit_waiting gives it one. */
    int now = st.sessions < MAX_TLS && st.handshakes < TLS_HANDSHAKES_MAX;
    if (now && sess_setup(s) != 0) {
        altcp_free(conn);
        st.refused++;
        return NULL;
    }
    s->conn = conn;
    s->inner = inner;
    s->t_start = board_now_ms();
    conn->inner_conn = inner;
    conn->fns = &tls_fns;
    conn->state = s;
    altcp_arg(inner, s);
    altcp_recv(inner, inner_recv);
    altcp_sent(inner, inner_sent);
    altcp_err(inner, inner_err);
    if (now) {
        s->phase = PH_HANDSHAKE;
        if (++st.handshakes > st.handshakes_peak) st.handshakes_peak = st.handshakes;
    } else {
        s->phase = PH_WAIT;
        st.handshakes_waiting++;
    }
    heap_sample();
    return conn;
}

/* ---- the application's altcp functions ------------------------------------------------ */

int tls3_is_tls(const struct altcp_pcb *pcb)
{
    return pcb && pcb->fns == &tls_fns;
}

static sess_t *S(struct altcp_pcb *conn)
{
    return conn ? (sess_t *)conn->state : NULL;
}

static void tls_recved(struct altcp_pcb *conn, u16_t len)
{
    sess_t *s = S(conn);
    if (!s) return;
    s->plain_held = len > s->plain_held ? 0 : s->plain_held - len;
    s->kick = 1; /* more is decrypted from tls3_poll: never re-enter the application here */
}

static err_t tls_bind(struct altcp_pcb *conn, const ip_addr_t *ip, u16_t port)
{
    (void)conn;
    (void)ip;
    (void)port;
    return ERR_VAL; /* server side only: wrapped after accept */
}

static err_t tls_connect(struct altcp_pcb *conn, const ip_addr_t *ip, u16_t port,
                         altcp_connected_fn connected)
{
    (void)conn;
    (void)ip;
    (void)port;
    (void)connected;
    return ERR_VAL;
}

static struct altcp_pcb *tls_listen(struct altcp_pcb *conn, u8_t backlog, err_t *err)
{
    (void)conn;
    (void)backlog;
    if (err) *err = ERR_VAL;
    return NULL;
}

static void tls_abort(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    if (!s) return;
    /* lwIP's abort reports ERR_ABRT to the err callback; so does this one. */
    s->busy++;
    tell_app_gone(s, ERR_ABRT);
    s->busy--;
    s->conn = NULL;
    conn->state = NULL;
    altcp_free(conn);
    if (s->busy) {
        s->kill = 1;
        return;
    }
    inner_finish(s, 0);
    sess_release(s);
}

static err_t tls_close(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    if (!s) {
        altcp_free(conn);
        return ERR_OK;
    }
    /* From here the application holds nothing: conn is freed, no callback reaches it. */
    s->app_gone = 1;
    s->conn = NULL;
    conn->state = NULL;
    altcp_free(conn);
    if (s->phase == PH_OPEN) {
        /* What the application wrote still goes, then close_notify and FIN (no callback
         * reaches the application any more, so this may run now). */
        s->phase = PH_CLOSING;
        s->t_start = board_now_ms();
        if (s->busy)
            s->again = 1;
        else
            pump(s);
        return ERR_OK;
    }
    /* Closed before the handshake ended (the refusal path): nothing to flush. */
    inner_finish(s, 1);
    if (s->busy)
        s->kill = 1;
    else
        sess_release(s);
    return ERR_OK;
}

static err_t tls_shutdown(struct altcp_pcb *conn, int shut_rx, int shut_tx)
{
    sess_t *s = S(conn);
    if (!s) return ERR_CONN;
    if (shut_rx && shut_tx) return tls_close(conn);
    if (shut_tx && s->phase == PH_OPEN) s->want_fin = 1; /* sent from tls3_poll */
    return ERR_OK;
}

static err_t tls_write(struct altcp_pcb *conn, const void *data, u16_t len, u8_t flags)
{
    (void)flags;
    sess_t *s = S(conn);
    if (!s || s->phase != PH_OPEN || s->broken) return s && s->phase < PH_OPEN ? ERR_MEM : ERR_CONN;
    if (!flush_pending(s)) return s->phase == PH_OPEN ? ERR_MEM : ERR_CONN;
    if (len == 0) return ERR_OK;
    /* Only application data from here: then a WANT_WRITE below can only be our record. */
    if (!hs_over(s)) return ERR_MEM;
    u16_t room = conn->fns->sndbuf(conn);
    if (len > room) return ERR_MEM; /* like tcp_write: all or nothing */
    int r = mbedtls_ssl_write(on(s), data, len);
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
        s->pend_len = len; /* the record is built; it goes out as TCP makes room */
        return ERR_OK;
    }
    if (r < 0) {
        st.errors++;
        log_err("write", r);
        s->broken = 1;
        s->kick = 1;
        return ERR_CONN;
    }
    return ERR_OK;
}

static err_t tls_output(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    if (!s || !s->inner) return ERR_CONN;
    if (!s->busy) flush_pending(s);
    return s->inner ? altcp_output(s->inner) : ERR_CONN;
}

static u16_t tls_mss(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    if (!s || !s->inner) return 0;
    if (!s->setup) return altcp_mss(s->inner);
    int exp = mbedtls_ssl_get_record_expansion(&s->ssl);
    u16_t mss = altcp_mss(s->inner);
    return exp > 0 && mss > exp ? (u16_t)(mss - exp) : mss;
}

/* What one record can carry now: TCP's send room less the record's expansion, at most a
 * full record; 0 while a record is pending or the handshake runs. */
static u16_t tls_sndbuf(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    if (!s || !s->inner || s->phase != PH_OPEN || s->pend_len || s->want_fin || !hs_over(s))
        return 0;
    int exp = mbedtls_ssl_get_record_expansion(&s->ssl);
    int max = mbedtls_ssl_get_max_out_record_payload(&s->ssl);
    if (exp < 0 || max <= 0) return 0;
    u16_t room = altcp_sndbuf(s->inner);
    if (room <= exp) return 0;
    room = (u16_t)(room - exp);
    return room > max ? (u16_t)max : room;
}

static u16_t tls_sndqueuelen(struct altcp_pcb *conn)
{
    sess_t *s = S(conn);
    return s && s->inner ? altcp_sndqueuelen(s->inner) : TCP_SND_QUEUELEN;
}

static void tls_nagle_disable(struct altcp_pcb *conn)
{
    if (conn->inner_conn) altcp_nagle_disable(conn->inner_conn);
}

static void tls_nagle_enable(struct altcp_pcb *conn)
{
    if (conn->inner_conn) altcp_nagle_enable(conn->inner_conn);
}

static int tls_nagle_disabled(struct altcp_pcb *conn)
{
    return conn->inner_conn ? altcp_nagle_disabled(conn->inner_conn) : 0;
}

static void tls_setprio(struct altcp_pcb *conn, u8_t prio)
{
    if (conn->inner_conn) altcp_setprio(conn->inner_conn, prio);
}

static void tls_dealloc(struct altcp_pcb *conn)
{
    (void)conn; /* sessions are released by close, abort or err, never here */
}

static void tls_set_poll(struct altcp_pcb *conn, u8_t interval)
{
    (void)conn;
    (void)interval; /* tls3_poll runs every superloop pass; the application polls itself */
}

static const struct altcp_functions tls_fns = {
    .set_poll = tls_set_poll,
    .recved = tls_recved,
    .bind = tls_bind,
    .connect = tls_connect,
    .listen = tls_listen,
    .abort = tls_abort,
    .close = tls_close,
    .shutdown = tls_shutdown,
    .write = tls_write,
    .output = tls_output,
    .mss = tls_mss,
    .sndbuf = tls_sndbuf,
    .sndqueuelen = tls_sndqueuelen,
    .nagle_disable = tls_nagle_disable,
    .nagle_enable = tls_nagle_enable,
    .nagle_disabled = tls_nagle_disabled,
    .setprio = tls_setprio,
    .dealloc = tls_dealloc,
    .addrinfo = altcp_default_get_tcp_addrinfo,
    .getip = altcp_default_get_ip,
    .getport = altcp_default_get_port,
#if LWIP_TCP_KEEPALIVE
    .keepalive_disable = altcp_default_keepalive_disable,
    .keepalive_enable = altcp_default_keepalive_enable,
#endif
#ifdef LWIP_DEBUG
    .dbg_get_tcp_state = altcp_default_dbg_get_tcp_state,
#endif
};
