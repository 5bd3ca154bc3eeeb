/* HTTP/1.1 as a protocol of the connection core: one request at a time per connection
 * (pipelined ones wait in lwIP, their window closed), answered at once, when send room
 * allows, or later (deferred); timeouts for slow requests and idle keep-alive. */
#include "app/http/server.h"

#include <string.h>

#include "app/board.h"
#include "app/http/http_response.h"
#include "app/log.h"

/* The HTTP state of a connection, in its state area. */
typedef struct {
    http_parser_t parser;
    uint8_t in_request; /* bytes of a request have arrived: the request timer runs */
    uint8_t need_body;  /* headers done, the body waits for a pool slot */
    uint8_t req_ready;  /* a complete request waits for send room */
    uint8_t answered;   /* the handler replied: the request is over once it returns */
    uint8_t deferred;   /* the handler parked the request (http_defer) */
    uint8_t served;     /* a request has been answered: now idle between requests */
    uint8_t writable;   /* TCP has said there is room: over TLS, the handshake is done */
    uint32_t t_request; /* when the current request's first byte arrived */
    uint32_t deadline;  /* deferred: when it expires */
    const http_deferred_t *d;
    void *d_arg;
} http_conn_t;

_Static_assert(sizeof(http_conn_t) <= CONN_STATE_SIZE, "HTTP state must fit a connection");
_Static_assert(CONN_SLOT_SIZE >= HTTP_BODY_MAX, "a request body must fit a pool slot");

static http_handler_t handler;
static http_server_stats_t stats; /* the HTTP part; the rest is the core's, copied in */
static char scratch[HTTP_SCRATCH_SIZE];
static const conn_proto_t http_proto;

char *http_scratch(void)
{
    return scratch;
}

const http_server_stats_t *http_server_stats(void)
{
    const conn_stats_t *cs = conn_stats();
    stats.accepted = cs->accepted;
    stats.refused = cs->refused;
    stats.active = cs->active;
    stats.peak = cs->peak;
    stats.http = cs->http;
    stats.stream = cs->stream;
    stats.lingering = cs->lingering;
    stats.body_slots_used = cs->slots_used;
    stats.body_slots_peak = cs->slots_peak;
    stats.spills = cs->spills;
    stats.rx_aborts = cs->rx_aborts;
    stats.evicted = cs->evicted;
    return &stats;
}

static http_conn_t *hc(conn_t *c)
{
    return conn_proto(c) == &http_proto ? (http_conn_t *)conn_state(c) : NULL;
}

/* ---- replies ------------------------------------------------------------------------ */

/* The request is over: ready for the next one on this connection. */
static void request_done(conn_t *c, http_conn_t *h)
{
    if (h->deferred) stats.deferred--;
    h->in_request = h->need_body = h->req_ready = h->answered = h->deferred = 0;
    h->served = 1;
    h->d = NULL;
    h->d_arg = NULL;
    if (!conn_sending(c)) conn_slot_put(c); /* the body's slot, unless a reply tail lives there */
    http_parser_reset(&h->parser);
}

/* Called by every reply: a deferred request is over now, one answered from its handler
 * when the handler returns. */
static void replied(conn_t *c, http_conn_t *h)
{
    if (h->deferred)
        request_done(c, h);
    else
        h->answered = 1;
}

static int head_into(char *buf, size_t cap, const http_request_t *req, int status,
                     const char *ctype, int32_t content_length, const char *connection,
                     const char *extra, int keep)
{
    http_head_t hd = {.status = (uint16_t)status,
                      .keep_alive = (uint8_t)keep,
                      /* a handler that sets its own Cache-Control (static assets) replaces
                       * the default no-store */
                      .cacheable = extra && strstr(extra, "Cache-Control:") != NULL,
                      .content_type = ctype,
                      .content_length = content_length,
                      .connection = connection,
                      .extra_lines = extra && *extra ? extra : NULL};
    (void)req;
    return http_format_head(buf, cap, &hd);
}

int http_send_head(conn_t *c, int status, const char *content_type, int32_t content_length,
                   const char *connection, const char *extra_headers)
{
    http_conn_t *h = hc(c);
    if (!h) return -1;
    int keep = h->parser.req.keep_alive;
    char head[HTTP_HEAD_MAX];
    int n = head_into(head, sizeof head, &h->parser.req, status, content_type, content_length,
                      connection, extra_headers, keep);
    if (n < 0 || conn_space(c) < (size_t)n) return -1;
    return conn_write(c, head, (size_t)n);
}

void http_reply(conn_t *c, int status, const char *content_type, const void *body, size_t len,
                int lifetime, const char *extra_headers)
{
    http_conn_t *h = hc(c);
    if (!h || conn_closing(c)) return;
    const http_request_t *req = &h->parser.req;
    int keep = req->keep_alive && status != 408;
    int head_only = req->method == HTTP_M_HEAD;
    char head[HTTP_HEAD_MAX];
    /* RFC 9110: a 204 carries no Content-Length, and a 304's would have to be the 200's:
     * leave it out. */
    int n =
        head_into(head, sizeof head, req, status, content_type,
                  status == 204 || status == 304 ? -1 : (int32_t)len, NULL, extra_headers, keep);
    if (n < 0) {
        LOGE("conn %u: response head does not fit", conn_index(c));
        conn_close(c);
        return;
    }
    if (conn_write(c, head, (size_t)n) != 0) {
        /* Not even the head fits: the send buffer is exhausted. Give up on this peer. */
        LOGW("conn %u: no send space for a %d response", conn_index(c), status);
        conn_close(c);
        return;
    }
    replied(c, h);
    if (head_only) len = 0;
    if (conn_send(c, body, len, lifetime) != 0) return; /* closed */
    if (!keep) conn_close_when_sent(c);
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
    http_reply(c, status, HTTP_CT_JSON, scratch, len, HTTP_BODY_COPY, NULL);
}

/* ---- deferral and hand-over ----------------------------------------------------------- */

void http_defer(conn_t *c, uint32_t timeout_ms, const http_deferred_t *d, void *arg)
{
    http_conn_t *h = hc(c);
    if (!h || h->answered || h->deferred) return;
    h->deferred = 1;
    h->deadline = board_now_ms() + timeout_ms;
    h->d = d;
    h->d_arg = arg;
    stats.deferred++;
}

int http_is_deferred(conn_t *c)
{
    http_conn_t *h = hc(c);
    return h && h->deferred;
}

void http_take_over(conn_t *c, const conn_proto_t *proto)
{
    if (hc(c)) conn_set_proto(c, proto);
}

void http_give_back(conn_t *c)
{
    if (conn_proto(c) && !hc(c)) conn_set_proto(c, &http_proto);
}

/* ---- intake ------------------------------------------------------------------------- */

static void handle_request(conn_t *c, http_conn_t *h)
{
    h->req_ready = 0;
    h->in_request = 0;
    const http_request_t *req = &h->parser.req;
    const uint8_t *body = req->content_length ? http_parser_body(&h->parser) : NULL;
    handler(c, req, body, req->content_length);
    h = hc(c); /* NULL if the handler gave the connection to another protocol */
    if (h && !h->deferred) request_done(c, h);
}

/* Answer a complete request once TCP has room for a typical answer: with many clients at
 * once the shared send heap can be momentarily full, and waiting a few milliseconds beats
 * dropping the connection. Returns non-zero if the request was handled. */
static int try_handle(conn_t *c, http_conn_t *h)
{
    size_t need = conn_wrapped(c) ? HTTP_REPLY_MIN_SPACE_TLS : HTTP_REPLY_MIN_SPACE;
    if (conn_space(c) < need) return 0;
    handle_request(c, h);
    return 1;
}

static size_t h_bytes(conn_t *c, const uint8_t *data, size_t len)
{
    http_conn_t *h = hc(c);
    /* A reply still streaming out, a request waiting for send room or deferred, holds back
     * the next (pipelined) request. */
    if (conn_sending(c) || h->req_ready || h->deferred || h->answered) return 0;
    if (h->need_body) {
        uint8_t *slot = conn_slot_get(c);
        if (!slot) return 0; /* every body buffer is busy: wait, TCP holds the sender */
        http_parser_set_body(&h->parser, slot, CONN_SLOT_SIZE);
        h->need_body = 0;
    }
    if (!h->in_request) {
        h->in_request = 1;
        h->t_request = board_now_ms();
    }
    size_t used = 0;
    switch (http_parser_feed(&h->parser, data, len, &used)) {
    case HTTP_PARSE_MORE:
        break;
    case HTTP_PARSE_HEADERS:
        h->need_body = 1; /* placed on the next call, which comes at once if a slot is free */
        break;
    case HTTP_PARSE_DONE:
        h->req_ready = 1;
        try_handle(c, h);
        break;
    case HTTP_PARSE_ERROR:
        LOGI("conn %u: bad request (%u %s)", conn_index(c), h->parser.status,
             h->parser.error ? h->parser.error : "");
        h->parser.req.keep_alive = 0;
        http_reply_error(c, h->parser.status, NULL, NULL, h->parser.error, NULL);
        break;
    }
    return used;
}

static void h_writable(conn_t *c)
{
    http_conn_t *h = hc(c);
    h->writable = 1;
    if (h->req_ready && !conn_sending(c)) try_handle(c, h);
}

static int h_tick(conn_t *c, uint32_t now)
{
    http_conn_t *h = hc(c);
    if (h->deferred) {
        if ((int32_t)(now - h->deadline) >= 0) {
            /* Answered once TCP can take a head: a reply whose head does not fit gives the
             * connection up, and under loss the window can stay shut past the deadline. */
            if (conn_space(c) < HTTP_HEAD_MAX) return 0;
            h->d->expire(c, h->d_arg);
            if ((h = hc(c)) != NULL && h->deferred) {
                LOGE("conn %u: a deferred request expired unanswered", conn_index(c));
                conn_close(c);
            }
            return 0;
        }
        return h->d->poll ? h->d->poll(c, h->d_arg, now) : 0;
    }
    if (conn_sending(c) || conn_closing(c)) return 0;
    /* With the table nearly full, slow and silent peers get less time (conn_pressure). */
    int tight = conn_pressure();
    uint32_t req_ms = tight ? HTTP_REQUEST_TIMEOUT_PRESSURE_MS : HTTP_REQUEST_TIMEOUT_MS;
    /* A TLS connection holds a scarce session once its handshake is done (the layer then
     * reports it writable, from when its idle time counts); before, it waits for one. */
    int holds_session = conn_wrapped(c) && (h->served || h->writable);
    uint32_t idle_ms = tight           ? HTTP_IDLE_TIMEOUT_PRESSURE_MS
                       : holds_session ? HTTP_IDLE_TIMEOUT_TLS_MS
                                       : HTTP_IDLE_TIMEOUT_MS;
    if (h->in_request && !h->req_ready && now - h->t_request > req_ms) {
        stats.timeouts_408++;
        LOGI("conn %u: request not complete after %lu ms, 408", conn_index(c),
             (unsigned long)req_ms);
        h->parser.req.keep_alive = 0;
        http_reply_error(c, 408, "request_timeout", NULL, "request not received in time", NULL);
        if ((h = hc(c)) != NULL) request_done(c, h); /* no handler returns for this one */
        return 0;
    }
    if (!h->in_request && now - conn_last_active(c) > idle_ms) {
        stats.idle_closed++;
        conn_close(c);
        return 0;
    }
    /* A request that waited for send room retries here. */
    if (h->req_ready) try_handle(c, h);
    return 0;
}

static void h_open(conn_t *c)
{
    http_parser_reset(&((http_conn_t *)conn_state(c))->parser);
}

static void h_close(conn_t *c)
{
    http_conn_t *h = conn_state(c); /* still ours during on_close */
    if (h->deferred) {
        stats.deferred--;
        h->deferred = 0;
        if (h->d->gone) h->d->gone(c, h->d_arg);
    }
    if (!conn_sending(c)) conn_slot_put(c);
}

/* Waiting for the peer: no request yet (since the connection's last activity: its accept or
 * the end of the last answer), or one that is not complete (since its first byte). A request
 * that is complete, being answered or parked is work under way, never given up. */
static int h_waiting(conn_t *c, uint32_t *since)
{
    http_conn_t *h = hc(c);
    if (!h || conn_sending(c) || h->req_ready || h->deferred || h->answered || h->need_body)
        return 0;
    *since = h->in_request ? h->t_request : conn_last_active(c);
    return 1;
}

static size_t h_refusal(char *buf, size_t cap)
{
    http_error_t e = {
        .status = 503, .code = "unavailable", .message = "connection table full, retry shortly"};
    int n = http_format_error(buf, cap, &e, 0, "Retry-After", "1");
    return n > 0 ? (size_t)n : 0;
}

static const conn_proto_t http_proto = {
    .name = "http",
    .kind = CONN_KIND_REQUEST,
    .on_open = h_open,
    .on_bytes = h_bytes,
    .on_writable = h_writable,
    .on_tick = h_tick,
    .on_close = h_close,
    .refusal = h_refusal,
    .waiting = h_waiting,
};

void http_server_init(void)
{
    memset(&stats, 0, sizeof stats);
}

int http_server_start(uint16_t port, http_handler_t h)
{
    handler = h;
    return conn_listen(port, &http_proto, NULL);
}

int http_server_listen(uint16_t port, conn_wrap_fn wrap)
{
    return handler ? conn_listen(port, &http_proto, wrap) : -1;
}

void http_server_stop(void)
{
    conn_shutdown();
}
