/* Connection table and request intake over lwIP's altcp API.
 *
 * Received data stays in lwIP's pbufs until a request consumes it, and the TCP window is
 * reopened (altcp_recved) only for consumed bytes: a peer that sends faster than we serve
 * is slowed by TCP itself. Responses are written as far as the send window allows; what
 * does not fit is sent from the sent-callback as the peer acknowledges. */
#include "app/http/server.h"

#include <stdio.h>
#include <string.h>

#include "app/api/router.h"
#include "app/board.h"
#include "app/http/http_response.h"
#include "app/log.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "port/altcp_tls3.h"

static conn_t conns[MAX_CONNS];
/* An altcp listener: lwIP 2.2's altcp_tcp_accept ignores the NULL PCB that tcp_listen_input
 * reports when no PCB is free (2.1 dereferenced it, so this was a raw TCP listener then). */
static struct altcp_pcb *listener;
static struct altcp_pcb *listener_tls; /* HTTPS: accepted PCBs are wrapped by port/altcp_tls3 */
static http_server_stats_t stats;

/* Request bodies, and responses that TCP could not take at once, borrow these. */
static uint8_t body_pool[HTTP_BODY_BUFS][HTTP_BODY_MAX];
static uint8_t body_busy[HTTP_BODY_BUFS];

static char scratch[HTTP_SCRATCH_SIZE];

char *http_scratch(void)
{
    return scratch;
}

const http_server_stats_t *http_server_stats(void)
{
    return &stats;
}

static void process(conn_t *c);

/* ---- pool ------------------------------------------------------------------------- */

static int slot_get(conn_t *c)
{
    if (c->buf_slot >= 0) return c->buf_slot;
    for (int i = 0; i < HTTP_BODY_BUFS; i++) {
        if (!body_busy[i]) {
            body_busy[i] = 1;
            c->buf_slot = (int8_t)i;
            if (++stats.body_slots_used > stats.body_slots_peak)
                stats.body_slots_peak = stats.body_slots_used;
            return i;
        }
    }
    return -1;
}

static void slot_put(conn_t *c)
{
    if (c->buf_slot >= 0) {
        body_busy[c->buf_slot] = 0;
        c->buf_slot = -1;
        stats.body_slots_used--;
    }
}

/* ---- output staging ------------------------------------------------------------ */

/* Writes are gathered in one shared staging buffer and handed to lwIP as one copy per
 * batch (or per MSS): lwIP then keeps one exactly sized pbuf per batch, instead of one per
 * small write (which exhausts the segment queue) or one MSS-sized pbuf however little was
 * written (which exhausts the shared heap when many subscribers each get a small event).
 * Single-threaded, so one buffer serves every connection: switching to another connection
 * first commits what the previous one staged. */
static uint8_t stage[TCP_MSS];
static conn_t *stage_conn;
static size_t stage_len;

/* Hand the staged bytes to lwIP. The room was promised by conn_space(), but lwIP's heap can
 * be fragmented past what its free-byte count shows; bytes it refuses wait in the
 * connection's pool slot and go out from tx_pump() (a spill), in order, so nothing written
 * is lost. */
static int stage_commit(void)
{
    conn_t *c = stage_conn;
    size_t n = stage_len;
    stage_conn = NULL;
    stage_len = 0;
    if (!c || n == 0 || !c->pcb) return 0;
    if (c->tx_left == 0 && altcp_write(c->pcb, stage, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK)
        return 0;
    int s = slot_get(c);
    uint8_t *base = s >= 0 ? body_pool[s] : NULL;
    int in_slot =
        c->tx_left == 0 || (base && c->tx_ptr >= base && c->tx_ptr < base + HTTP_BODY_MAX);
    if (!base || !in_slot || c->tx_left + n > HTTP_BODY_MAX) {
        LOGE("conn %u: %u bytes refused by lwIP and nowhere to hold them; closing", c->index,
             (unsigned)n);
        c->proto_close = 1;
        return -1;
    }
    stats.spills++;
    if (c->tx_left) memmove(base, c->tx_ptr, c->tx_left);
    memcpy(base + c->tx_left, stage, n);
    c->tx_ptr = base;
    c->tx_left += (uint32_t)n;
    return 0;
}

/* ---- connection life ---------------------------------------------------------------- */

static void rx_drop_all(conn_t *c)
{
    if (c->rx) {
        if (c->pcb) altcp_recved(c->pcb, (u16_t)(c->rx->tot_len - c->rx_off));
        pbuf_free(c->rx);
        c->rx = NULL;
        c->rx_off = 0;
    }
}

/* Release what the connection's protocol holds: its state, unread input, a pool slot. */
static void conn_drop_state(conn_t *c)
{
    if (c->mode == CONN_STREAM && c->proto && c->proto->on_close) c->proto->on_close(c);
    if (c->mode == CONN_STREAM)
        stats.stream--;
    else if (c->mode == CONN_HTTP)
        stats.http--;
    else if (c->mode == CONN_LINGER)
        stats.lingering--;
    if (c->rx) {
        pbuf_free(c->rx);
        c->rx = NULL;
    }
    slot_put(c);
}

static void conn_free(conn_t *c)
{
    stats.active--;
    memset(c, 0, sizeof *c);
    c->buf_slot = -1;
    c->mode = CONN_FREE;
}

static void hard_close(conn_t *c)
{
    if (c->mode == CONN_LINGER) stats.lingering--;
    if (stage_conn == c) stage_commit();
    struct altcp_pcb *pcb = c->pcb;
    c->pcb = NULL;
    if (pcb) {
        altcp_arg(pcb, NULL);
        altcp_recv(pcb, NULL);
        altcp_sent(pcb, NULL);
        altcp_err(pcb, NULL);
        if (altcp_close(pcb) != ERR_OK) altcp_abort(pcb);
    }
    conn_free(c);
}

void conn_close_later(conn_t *c)
{
    c->proto_close = 1;
}

void conn_settle(conn_t *c)
{
    if ((c->mode == CONN_HTTP || c->mode == CONN_STREAM) && c->proto_close) conn_close(c);
}

/* Closing sends our FIN but keeps reading (and discarding) until the peer's FIN: a full
 * close with data still arriving makes lwIP answer with a RST, and a RST can destroy our
 * last response or close frame before the peer has read it. */
void conn_close(conn_t *c)
{
    if (c->mode != CONN_HTTP && c->mode != CONN_STREAM) return;
    if (stage_conn == c) stage_commit();
    rx_drop_all(c);
    conn_drop_state(c);
    if (c->pcb && c->tx_left == 0 && altcp_shutdown(c->pcb, 0, 1) == ERR_OK) {
        c->mode = CONN_LINGER;
        c->proto = NULL;
        c->t_active = board_now_ms();
        stats.lingering++;
        return;
    }
    hard_close(c);
}

static void on_err(void *arg, err_t err)
{
    conn_t *c = arg;
    if (!c) return;
    LOGD("conn %u: reset (%d)", c->index, err);
    c->pcb = NULL; /* lwIP has freed it */
    if (stage_conn == c) {
        stage_conn = NULL;
        stage_len = 0;
    }
    conn_drop_state(c);
    conn_free(c);
}

/* ---- output ------------------------------------------------------------------------- */

/* What conn_space() promises is kept: any sequence of writes adding up to that many bytes
 * before the next flush succeeds. lwIP can refuse a write for four reasons, so the promise
 * is the least of four budgets: the connection's send buffer; its pbuf queue and the shared
 * segment pool (each staged MSS becomes at most two pbufs); and the shared heap the copies
 * live in, less each pbuf's headers and bookkeeping. */
#define HEAP_RESERVE  1024 /* for ARP queueing and fragmentation slack */
#define PBUF_OVERHEAD 160  /* headers, struct pbuf, heap bookkeeping per pbuf */

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* The heap's free-byte count does not say whether it holds MSS-sized blocks in one piece:
 * with many subscribers the heap fragments, lwIP refused writes that the count allowed, and
 * with more such connections than pool slots to spill into, they were closed. When the heap
 * is tight the heap itself is asked: up to `want` blocks the size tcp_write allocates per
 * commit are allocated and freed at once. Returns how many could be had together. */
static size_t heap_blocks(size_t want)
{
    struct pbuf *p[TCP_SND_BUF / TCP_MSS + 1];
    size_t k = 0;
    if (want > sizeof p / sizeof p[0]) want = sizeof p / sizeof p[0];
    STAT_COUNTER err = lwip_stats.mem.err; /* a probe that fails is not an error */
    for (; k < want; k++)
        if ((p[k] = pbuf_alloc(PBUF_TRANSPORT, TCP_MSS, PBUF_RAM)) == NULL) break;
    for (size_t i = 0; i < k; i++)
        pbuf_free(p[i]);
    lwip_stats.mem.err = err;
    return k;
}

/* Room as lwIP counts it, ignoring what waits in the connection's slot. */
static size_t tcp_room(conn_t *c)
{
    if (!c->pcb) return 0;
    size_t staged = stage_conn == c ? stage_len : 0;
    size_t space = altcp_sndbuf(c->pcb);
    int q = TCP_SND_QUEUELEN - 2 - (int)altcp_sndqueuelen(c->pcb);
    const struct stats_mem *seg = lwip_stats.memp[MEMP_TCP_SEG];
    int segs = (int)seg->avail - (int)seg->used - 2;
    if (segs < q) q = segs;
    if (q <= 0) return 0;
    space = min_sz(space, (size_t)q * (TCP_MSS / 2));
    size_t heap_free = lwip_stats.mem.avail - lwip_stats.mem.used;
    if (heap_free <= HEAP_RESERVE) return 0;
    /* Every MSS of data costs at most one pbuf of overhead. */
    size_t blocks = (heap_free - HEAP_RESERVE) / (TCP_MSS + PBUF_OVERHEAD);
    size_t need = (min_sz(space, blocks * TCP_MSS) + TCP_MSS - 1) / TCP_MSS;
    if (blocks < 2 * need) blocks = heap_blocks(need); /* tight: fragments matter */
    space = min_sz(space, blocks * TCP_MSS);
    return space > staged ? space - staged : 0;
}

size_t conn_space(conn_t *c)
{
    /* Bytes waiting in the slot go first: new writes queue behind them. */
    return c->tx_left ? 0 : tcp_room(c);
}

int conn_write(conn_t *c, const void *data, size_t len)
{
    if (len == 0) return 0;
    if (!c->pcb || len > conn_space(c)) return -1;
    if (stage_conn != c) {
        stage_commit();
        stage_conn = c;
    }
    const uint8_t *p = data;
    while (len > 0) {
        size_t k = min_sz(len, sizeof stage - stage_len);
        memcpy(stage + stage_len, p, k);
        stage_len += k;
        p += k;
        len -= k;
        if (stage_len == sizeof stage) {
            if (stage_commit() != 0) return -1;
            stage_conn = c;
        }
    }
    c->t_active = board_now_ms();
    return 0;
}

void conn_flush(conn_t *c)
{
    if (stage_conn == c) stage_commit();
    if (c->pcb) altcp_output(c->pcb);
}

/* Hand as much of the pending response to TCP as it takes; close when done if asked. */
static void tx_pump(conn_t *c)
{
    if (stage_conn == c) stage_commit();
    while (c->tx_left > 0 && c->pcb) {
        size_t n = min_sz(c->tx_left, tcp_room(c));
        if (n > 0xffff) n = 0xffff;
        if (n == 0 || altcp_write(c->pcb, c->tx_ptr, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* the sent-callback or the next pass retries */
        c->tx_ptr += n;
        c->tx_left -= (uint32_t)n;
    }
    if (c->pcb) altcp_output(c->pcb);
    if (c->tx_left == 0) {
        c->tx_ptr = NULL;
        if (c->mode == CONN_HTTP || c->mode == CONN_STREAM)
            slot_put(c); /* a response tail or a spill may have lived there */
        if (c->close_after) conn_close(c);
    }
}

void http_reply(conn_t *c, int status, const char *content_type, const void *body, size_t len,
                int lifetime, const char *extra_headers)
{
    if (c->mode != CONN_HTTP || !c->pcb) return;
    int keep = c->u.http.req.keep_alive && !c->close_after && status != 408;
    if (!keep) c->close_after = 1;
    int head_only = c->u.http.req.method == HTTP_M_HEAD;
    char head[384];
    http_head_t h = {.status = (uint16_t)status,
                     .keep_alive = (uint8_t)keep,
                     .content_type = content_type,
                     /* RFC 9110: a 204 carries no Content-Length. */
                     .content_length = status == 204 ? -1 : (int32_t)len};
    int n = http_format_head(head, sizeof head, &h);
    size_t hl = n > 0 ? (size_t)n : 0;
    /* Extra header lines go before the empty line that ends the head. */
    size_t xl = extra_headers ? strlen(extra_headers) : 0;
    if (n < 0 || hl + xl >= sizeof head) {
        LOGE("conn %u: response head does not fit", c->index);
        conn_close(c);
        return;
    }
    memmove(head + hl - 2 + xl, head + hl - 2, 2);
    memcpy(head + hl - 2, extra_headers, xl);
    hl += xl;
    if (conn_write(c, head, hl) != 0) {
        /* Not even the head fits: the send buffer is exhausted. Give up on this peer. */
        LOGW("conn %u: no send space for a %d response", c->index, status);
        conn_close(c);
        return;
    }
    if (head_only) len = 0;
    const uint8_t *p = body;
    size_t now = len;
    size_t space = conn_space(c);
    if (now > space) now = space;
    if (now > 0 && conn_write(c, p, now) != 0) now = 0;
    size_t rest = len - now;
    if (rest > 0) {
        if (lifetime == HTTP_BODY_STATIC) {
            c->tx_ptr = p + now;
        } else {
            int s = slot_get(c);
            if (s < 0 || rest > HTTP_BODY_MAX) {
                LOGW("conn %u: response tail of %u bytes has nowhere to wait", c->index,
                     (unsigned)rest);
                conn_close(c);
                return;
            }
            memmove(body_pool[s], p + now, rest);
            c->tx_ptr = body_pool[s];
        }
        c->tx_left = (uint32_t)rest;
    }
    tx_pump(c);
}

void http_reply_error(conn_t *c, int status, const char *code, const char *field,
                      const char *message, const char *extra_headers)
{
    http_error_t e = {.status = (uint16_t)status, .code = code, .field = field, .message = message};
    int n = http_format_error_body(scratch, sizeof scratch, &e);
    if (n < 0) {
        conn_close(c);
        return;
    }
    http_reply(c, status, HTTP_CT_JSON, scratch, (size_t)n, HTTP_BODY_COPY, extra_headers);
}

void http_reply_json(conn_t *c, int status, size_t len)
{
    http_reply(c, status, "application/json", scratch, len, HTTP_BODY_COPY, "");
}

/* ---- input -------------------------------------------------------------------------- */

/* Mark n bytes of rx consumed and reopen that much TCP window. */
static void rx_consume(conn_t *c, size_t n)
{
    if (n == 0) return;
    if (c->pcb) altcp_recved(c->pcb, (u16_t)n);
    c->rx_off = (uint16_t)(c->rx_off + n);
    while (c->rx && c->rx_off >= c->rx->len) {
        struct pbuf *p = c->rx;
        c->rx_off = (uint16_t)(c->rx_off - p->len);
        c->rx = p->next;
        if (c->rx) pbuf_ref(c->rx);
        pbuf_free(p);
    }
}

void conn_take_over(conn_t *c, const conn_proto_t *proto)
{
    if (c->mode != CONN_HTTP) return;
    slot_put(c);
    stats.http--;
    stats.stream++;
    c->mode = CONN_STREAM;
    c->proto = proto;
    c->in_request = 0;
    memset(&c->u, 0, sizeof c->u);
}

static void handle_request(conn_t *c)
{
    http_parser_t *hp = &c->u.http;
    c->in_request = 0;
    const uint8_t *body = hp->req.content_length ? http_parser_body(hp) : NULL;
    api_dispatch(c, &hp->req, body, hp->req.content_length);
    if (c->mode == CONN_HTTP) http_parser_reset(hp);
}

/* Answer a complete request once TCP has room for a typical answer: with many clients at
 * once the shared send heap can be momentarily full, and waiting a few milliseconds beats
 * dropping the connection. Returns non-zero if the request was handled. */
static int try_handle(conn_t *c)
{
    if (conn_space(c) < HTTP_REPLY_MIN_SPACE) return 0;
    c->req_ready = 0;
    handle_request(c);
    return 1;
}

static void process(conn_t *c)
{
    while (c->mode != CONN_FREE && c->rx) {
        const uint8_t *data = (const uint8_t *)c->rx->payload + c->rx_off;
        size_t len = c->rx->len - c->rx_off;
        if (c->mode == CONN_STREAM) {
            size_t used = c->proto->on_bytes(c, data, len);
            if (c->mode == CONN_FREE) return;
            rx_consume(c, used);
            if (c->proto_close) {
                conn_close(c);
                return;
            }
            if (used < len) return; /* back-pressured: on_sent or the next pass resumes */
            continue;
        }
        /* HTTP: a response still streaming out, or a request waiting for send room, holds
         * back the next (pipelined) request. */
        if (c->tx_left > 0 || c->close_after || c->req_ready) return;
        if (!c->in_request) {
            c->in_request = 1;
            c->t_request = board_now_ms();
        }
        size_t used = 0;
        http_parse_result_t r = http_parser_feed(&c->u.http, data, len, &used);
        rx_consume(c, used);
        switch (r) {
        case HTTP_PARSE_MORE:
            break;
        case HTTP_PARSE_HEADERS: {
            int s = slot_get(c);
            if (s < 0) return; /* every body buffer is busy: wait, TCP holds the sender */
            http_parser_set_body(&c->u.http, body_pool[s], HTTP_BODY_MAX);
            break;
        }
        case HTTP_PARSE_DONE:
            c->req_ready = 1;
            if (!try_handle(c)) return;
            break;
        case HTTP_PARSE_ERROR:
            c->close_after = 1;
            LOGI("conn %u: bad request (%u %s)", c->index, c->u.http.status,
                 c->u.http.error ? c->u.http.error : "");
            http_reply_error(c, c->u.http.status, NULL, NULL, c->u.http.error, "");
            return;
        }
    }
}

/* Input that must wait (its consumer is back-pressured) moves out of the receive pool into
 * one heap copy. The pool holds frames in flight: if waiting input filled it, the ACKs that
 * would let the consumer continue could no longer be received, and every connection would
 * stall (a peer sending 1-byte segments would fill it alone). The copy is bounded by the
 * TCP window; if the heap cannot take it, the input stays where it is. */
static void rx_park(conn_t *c)
{
    struct pbuf *p = c->rx;
    int pooled = 0;
    for (struct pbuf *q = p; q; q = q->next)
        pooled += pbuf_get_allocsrc(q) == PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL;
    if (!pooled) return;
    u16_t n = (u16_t)(p->tot_len - c->rx_off);
    struct pbuf *ram = pbuf_alloc(PBUF_RAW, n, PBUF_RAM);
    if (!ram) {
        const struct stats_mem *pool = lwip_stats.memp[MEMP_PBUF_POOL];
        if (pool->avail - pool->used < RX_POOL_RESERVE) {
            /* The last resort: this peer's unread input would take the pool's last frames,
             * and with them every connection's ACKs. Cut it off; the others keep going. */
            stats.rx_aborts++;
            LOGW("conn %u: input waits and memory is exhausted; aborting this connection",
                 c->index);
            struct altcp_pcb *pcb = c->pcb;
            altcp_arg(pcb, NULL);
            c->pcb = NULL;
            if (stage_conn == c) {
                stage_conn = NULL;
                stage_len = 0;
            }
            conn_drop_state(c);
            conn_free(c);
            altcp_abort(pcb);
        }
        return;
    }
    pbuf_copy_partial(p, ram->payload, n, c->rx_off);
    pbuf_free(p);
    c->rx = ram;
    c->rx_off = 0;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    conn_t *c = arg;
    if (!c) {
        if (p) {
            altcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (c->mode == CONN_LINGER) {
        if (p) {
            altcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        } else {
            hard_close(c); /* the peer's FIN: both sides are done */
        }
        return ERR_OK;
    }
    if (p == NULL || err != ERR_OK) {
        /* The peer closed its side. Finish what is in flight, then close ours. */
        if (p) pbuf_free(p);
        if (c->tx_left > 0) {
            c->close_after = 1;
            rx_drop_all(c);
        } else {
            conn_close(c);
        }
        return ERR_OK;
    }
    c->t_active = board_now_ms();
    if (c->rx)
        pbuf_cat(c->rx, p);
    else
        c->rx = p;
    process(c);
    if (c->mode == CONN_HTTP || c->mode == CONN_STREAM) {
        rx_park(c);
        if (c->mode == CONN_FREE) return ERR_ABRT; /* rx_park aborted the connection */
    }
    return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    conn_t *c = arg;
    if (!c || c->mode == CONN_LINGER) return ERR_OK;
    c->t_active = board_now_ms();
    tx_pump(c);
    if (c->mode == CONN_STREAM && c->proto->on_writable) {
        c->proto->on_writable(c);
        conn_settle(c);
    }
    if (c->mode != CONN_FREE) process(c);
    return ERR_OK;
}

/* ---- accept ------------------------------------------------------------------------- */

static const char refuse_503[] =
    "HTTP/1.1 503 Service Unavailable\r\nServer: edgeartist\r\nContent-Type: application/json\r\n"
    "Retry-After: 1\r\nConnection: close\r\nContent-Length: 84\r\n\r\n"
    "{\"error\":{\"code\":\"unavailable\",\"message\":\"connection table full, retry shortly\"}}\n";

static void refuse(struct altcp_pcb *pcb)
{
    stats.refused++;
    altcp_arg(pcb, NULL);
    altcp_recv(pcb, on_recv); /* with no conn: discards and acknowledges */
    altcp_write(pcb, refuse_503, sizeof refuse_503 - 1, 0);
    altcp_output(pcb);
    if (altcp_close(pcb) != ERR_OK) altcp_abort(pcb);
}

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        stats.refused++;
        return ERR_VAL;
    }
    conn_t *c = NULL;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (conns[i].mode == CONN_FREE) {
            c = &conns[i];
            break;
        }
    }
    if (!c) {
        LOGW("http: connection table full (%d), refusing", MAX_CONNS);
        refuse(pcb);
        return ERR_OK;
    }
    memset(c, 0, sizeof *c);
    c->index = (uint16_t)(c - conns);
    c->buf_slot = -1;
    c->pcb = pcb;
    c->mode = CONN_HTTP;
    c->t_active = board_now_ms();
    http_parser_reset(&c->u.http);
    /* Served connections outrank half-open ones: lwIP must never reclaim a live connection
     * to make room for a new SYN. */
    altcp_setprio(pcb, TCP_PRIO_MAX);
    altcp_nagle_disable(pcb);
    altcp_arg(pcb, c);
    altcp_recv(pcb, on_recv);
    altcp_sent(pcb, on_sent);
    altcp_err(pcb, on_err);
    stats.accepted++;
    stats.http++;
    if (++stats.active > stats.peak) stats.peak = stats.active;
    return ERR_OK;
}

void http_server_init(void)
{
    memset(conns, 0, sizeof conns);
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].buf_slot = -1;
    memset(&stats, 0, sizeof stats);
}

int http_server_start(uint16_t port)
{
    struct altcp_pcb *pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb || altcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        LOGE("http: cannot bind port %u", port);
        if (pcb) altcp_close(pcb);
        return -1;
    }
    listener = altcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
    if (!listener) {
        LOGE("http: cannot listen");
        return -1;
    }
    altcp_accept(listener, on_accept);
    return 0;
}

/* HTTPS: the same connection table and handlers; only the accepted PCB differs, wrapped in
 * TLS before on_accept sees it. With no TLS session or memory free, the TCP connection is
 * closed at once: plain connections are not affected. */
static err_t on_accept_tls(void *arg, struct altcp_pcb *pcb, err_t err)
{
    if (err != ERR_OK || pcb == NULL) return on_accept(arg, pcb, err);
    struct altcp_pcb *tls = tls3_wrap(pcb);
    if (!tls) {
        stats.refused++;
        LOGW("https: no TLS session free, refusing");
        if (altcp_close(pcb) != ERR_OK) {
            altcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    on_accept(arg, tls, ERR_OK);
    return ERR_OK;
}

int http_server_start_tls(uint16_t port)
{
    if (!tls3_ready()) return -1;
    struct altcp_pcb *pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb || altcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        LOGE("https: cannot bind port %u", port);
        if (pcb) altcp_close(pcb);
        return -1;
    }
    listener_tls = altcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
    if (!listener_tls) return -1;
    altcp_accept(listener_tls, on_accept_tls);
    return 0;
}

void http_server_stop(void)
{
    for (int i = 0; i < MAX_CONNS; i++)
        conn_close(&conns[i]);
    if (listener) {
        altcp_close(listener);
        listener = NULL;
    }
    if (listener_tls) {
        altcp_close(listener_tls);
        listener_tls = NULL;
    }
}

int http_server_poll(uint32_t now)
{
    int busy = tls3_poll(now); /* before the table: TLS may hand input to a connection */
    for (int i = 0; i < MAX_CONNS; i++) {
        conn_t *c = &conns[i];
        if (c->mode == CONN_FREE) continue;
        if (c->mode == CONN_LINGER) {
            if (now - c->t_active > CONN_LINGER_MS) hard_close(c);
            continue;
        }
        if (c->tx_left) {
            tx_pump(c); /* room freed by other connections raises no sent-callback here */
            if (c->mode == CONN_FREE || c->mode == CONN_LINGER) continue;
        }
        if (c->mode == CONN_STREAM) {
            if (c->proto->on_tick && c->proto->on_tick(c, now)) busy = 1;
            conn_settle(c);
            if (c->mode == CONN_STREAM && c->rx)
                process(c); /* input held back by back-pressure may be taken now */
            continue;
        }
        if (c->in_request && !c->req_ready && c->tx_left == 0 && !c->close_after &&
            now - c->t_request > HTTP_REQUEST_TIMEOUT_MS) {
            stats.timeouts_408++;
            LOGI("conn %u: request not complete after %d ms, 408", c->index,
                 HTTP_REQUEST_TIMEOUT_MS);
            c->close_after = 1;
            http_reply_error(c, 408, "request_timeout", NULL, "request not received in time", "");
            continue;
        }
        if (!c->in_request && c->tx_left == 0 && now - c->t_active > HTTP_IDLE_TIMEOUT_MS) {
            stats.idle_closed++;
            conn_close(c);
            continue;
        }
        /* A request that waited for send room or a body buffer retries here. */
        if (c->req_ready && c->tx_left == 0 && !c->close_after && !try_handle(c)) continue;
        if (c->rx && c->tx_left == 0 && !c->close_after) process(c);
    }
    /* Whatever a writer staged and did not flush goes out with this pass. */
    if (stage_conn) conn_flush(stage_conn);
    return busy;
}
