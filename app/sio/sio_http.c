#include "app/sio/sio_http.h"

#include <string.h>

#include "app/board.h"
#include "app/jobs/subs.h"
#include "app/log.h"
#include "app/sio/sio.h"
#include "app/stream/ws_endpoint.h"

/* Per-session connection references, in sio_session_t.glue. */
enum { G_GET = 0, G_WS, G_PROBE, G_ORIGIN };

/* A polling response is assembled here and handed to http_reply whole: what TCP cannot
 * take at once waits in the connection's pool slot, so a response is started only when
 * the send window plus one slot hold it. 6 KB: an image_ready with its PNG. */
static char poll_buf[SIO_POLL_BUF];
static size_t poll_len;
static unsigned poll_count;
static sio_session_t *poll_owner; /* the session whose response is being assembled */
static size_t poll_cap;

/* The frame of an offset packet, written in begin() before its event's frame. */
static char mark_buf[96 + 24 * SIO_SUBS_PER_SESSION];

/* ---- references ---------------------------------------------------------------------- */

static conn_ref_t ref_of(const sio_session_t *s, int k)
{
    conn_ref_t r;
    r.index = (uint16_t)(s->glue[k] & 0xFFFFu);
    r.gen = (uint16_t)(s->glue[k] >> 16);
    return r;
}

static void set_ref(sio_session_t *s, int k, conn_t *c)
{
    if (!c) {
        s->glue[k] = 0;
        return;
    }
    conn_ref_t r = conn_ref(c);
    s->glue[k] = (uint32_t)r.index | (uint32_t)r.gen << 16;
}

static conn_t *conn_of(const sio_session_t *s, int k)
{
    return s->glue[k] ? conn_deref(ref_of(s, k)) : NULL;
}

static ws_conn_t *ws_of(const sio_session_t *s, int k)
{
    conn_t *c = conn_of(s, k);
    return c ? ws_endpoint_ws(c) : NULL;
}

/* ---- CORS ---------------------------------------------------------------------------- */

static int origin_allowed(const char *origin)
{
    const char *list = SIO_CORS_ORIGINS;
    if (!list) return 1;
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && memcmp(p, origin, n) == 0) return 1;
        p += k + (e ? 1 : 0);
    }
    return 0;
}

/* The CORS lines for an origin (none without one), into h (cap bytes). */
static const char *cors_for(const char *origin, char *h, size_t cap, int preflight)
{
    h[0] = 0;
    if (!origin[0] || !origin_allowed(origin)) return h;
    size_t n = strlen(origin);
    if (n + 160 > cap) return h;
    strcpy(h, "Access-Control-Allow-Origin: ");
    strcat(h, origin);
    /* "*" is answered only when the origin was forgotten, and then without credentials. */
    strcat(h, strcmp(origin, "*") ? "\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n"
                                  : "\r\n");
    if (preflight)
        strcat(h, "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
                  "Access-Control-Allow-Headers: content-type\r\n");
    return h;
}

/* The CORS lines of the request being handled. */
static char cors_lines[320];

/* A parked GET is answered after the request that carried its Origin is gone, so each
 * session keeps a reference into this small table of origins (sessions from one page share
 * an entry): 4 x 128 B. The reference holds a hash of the origin, so a session whose entry
 * was taken over by another origin is answered with "*" instead of someone else's. */
#define SIO_ORIGINS 4
static char origins[SIO_ORIGINS][sizeof(((http_request_t *)0)->origin)];
static unsigned origin_next;

static uint32_t origin_hash(const char *o)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *o; o++)
        h = (h ^ (uint8_t)*o) * 16777619u;
    return h & 0xFFFFFFu;
}

static void remember_origin(sio_session_t *s, const char *origin)
{
    s->glue[G_ORIGIN] = 0;
    if (!origin[0]) return;
    unsigned i = 0;
    while (i < SIO_ORIGINS && strcmp(origins[i], origin) != 0)
        i++;
    if (i == SIO_ORIGINS) {
        i = origin_next++ % SIO_ORIGINS;
        strcpy(origins[i], origin);
    }
    s->glue[G_ORIGIN] = origin_hash(origin) << 8 | (i + 1);
}

static void reply_text(conn_t *c, const sio_session_t *s, const char *body, size_t len)
{
    char h[320];
    uint32_t o = s->glue[G_ORIGIN];
    const char *origin = "";
    if (o)
        origin = origin_hash(origins[(o & 0xFFu) - 1]) == o >> 8 ? origins[(o & 0xFFu) - 1] : "*";
    cors_for(origin, h, sizeof h, 0);
    http_reply(c, 200, "text/plain; charset=UTF-8", body, len, HTTP_BODY_COPY, h);
}

static void reply_eio_error(conn_t *c, eio_err_t e)
{
    char body[80];
    sink_t k;
    sink_init(&k, body, sizeof body, 0);
    eio_render_error(&k, e);
    http_reply(c, 400, "application/json", body, k.n, HTTP_BODY_COPY, cors_lines);
}

/* ---- polling ------------------------------------------------------------------------- */

static void poll_put(const void *p, size_t n)
{
    memcpy(poll_buf + poll_len, p, n);
    poll_len += n;
}

/* Answers the parked GET of s if there is anything to say. */
static void poll_answer(sio_session_t *s)
{
    conn_t *c = conn_of(s, G_GET);
    if (!c || !http_is_deferred(c) || poll_owner) return;
    /* What TCP takes now, plus the pool slot that holds the rest until it is acknowledged
     * (held only when a response goes out). */
    if (conn_sending(c)) return; /* an earlier answer still holds the slot */
    /* The head is written now (http_reply gives up a connection whose head does not fit:
     * under loss the window can stay shut for seconds), only the body's rest may wait. */
    size_t room = conn_space(c);
    if (room < HTTP_HEAD_MAX) return; /* the window is shut: try on a later pass */
    int slot = conn_slot_get(c) != NULL;
    if (slot) room += CONN_SLOT_SIZE;
    if (room < HTTP_HEAD_MAX + 64) { /* too little room for an answer: try on a later pass */
        if (slot) conn_slot_put(c);
        return;
    }
    room -= HTTP_HEAD_MAX;
    poll_cap = room < sizeof poll_buf ? room : sizeof poll_buf;
    poll_len = 0;
    poll_count = 0;
    if (eio_sess_take_noop(&s->eio)) {
        poll_put("6", 1);
    } else {
        size_t n;
        const uint8_t *p;
        while ((p = eio_sess_peek(&s->eio, &n)) && poll_count < EIO_POLL_MAX_PACKETS &&
               poll_len + n + 1 <= poll_cap) {
            poll_put(p, n);
            poll_put("\x1e", 1);
            poll_count++;
            eio_sess_pop(&s->eio);
        }
        if (s->eio.transport == EIO_TR_POLLING) {
            poll_owner = s;
            subs_fanout_ctx(s);
            poll_owner = NULL;
        }
        if (poll_len && poll_buf[poll_len - 1] == '\x1e') poll_len--;
    }
    if (!poll_len) {
        if (slot) conn_slot_put(c);
        return;
    }
    set_ref(s, G_GET, NULL);
    eio_sess_get_done(&s->eio);
    reply_text(c, s, poll_buf, poll_len);
}

static int get_poll(conn_t *c, void *arg, uint32_t now)
{
    (void)now;
    sio_session_t *s = arg;
    if (conn_of(s, G_GET) == c) poll_answer(s);
    return 0;
}

static void get_expire(conn_t *c, void *arg)
{
    sio_session_t *s = arg;
    if (conn_of(s, G_GET) == c) {
        set_ref(s, G_GET, NULL);
        eio_sess_get_done(&s->eio);
    }
    reply_text(c, s, "6", 1);
}

static void get_gone(conn_t *c, void *arg)
{
    sio_session_t *s = arg;
    if (conn_of(s, G_GET) == c) {
        set_ref(s, G_GET, NULL);
        eio_sess_get_done(&s->eio);
    }
}

static const http_deferred_t get_wait = {get_poll, get_expire, get_gone};

/* ---- WebSocket ----------------------------------------------------------------------- */

/* Queued packets to the session's WebSocket, one per frame, between events. */
static void ws_output(sio_session_t *s)
{
    ws_conn_t *ws = ws_of(s, G_WS);
    if (!ws || s->eio.transport != EIO_TR_WEBSOCKET || subs_busy_ctx(s)) return;
    size_t n;
    const uint8_t *p;
    int sent = 0;
    while ((p = eio_sess_peek(&s->eio, &n))) {
        if (ws_conn_send(ws, WS_OP_TEXT, p, n) != 0) break;
        eio_sess_pop(&s->eio);
        sent = 1;
    }
    if (sent) {
        ws_conn_flush(ws);
        conn_settle(ws_endpoint_conn(ws));
    }
}

/* A WebSocket message larger than WS_RX_BUF arrives in pieces; it is put together here,
 * one message at a time (others wait through TCP back-pressure): SIO_MAX_PAYLOAD bytes. */
static uint8_t asm_buf[SIO_MAX_PAYLOAD];
static size_t asm_len;
static conn_ref_t asm_owner;

/* One whole message from the session's WebSocket or its probe. */
static void ws_packet(ws_conn_t *ws, sio_session_t *s, int probe, int binary, const uint8_t *p,
                      size_t n)
{
    int r = eio_sess_ws_packet(&s->eio, probe, binary, p, n);
    if (r == EIO_WS_PROBE_REPLY) {
        ws_conn_send(ws, WS_OP_TEXT, "3probe", 6);
        poll_answer(s); /* the noop, now */
    } else if (r == EIO_WS_UPGRADED) {
        s->glue[G_WS] = s->glue[G_PROBE];
        s->glue[G_PROBE] = 0;
        if (conn_of(s, G_GET)) poll_answer(s);
        ws_output(s);
        subs_fanout_ctx(s);
    } else if (r == EIO_WS_PROBE_BAD) {
        s->glue[G_PROBE] = 0;
        ws->user = NULL;
        ws_conn_close(ws, 1008);
    } else if (r == EIO_WS_OK) {
        ws_output(s);
        subs_fanout_ctx(s); /* a generate or subscribe is answered at once */
    }
}

static int ws_message(ws_conn_t *ws, unsigned flags, const uint8_t *p, size_t n)
{
    sio_session_t *s = ws->user;
    conn_t *c = ws_endpoint_conn(ws);
    if (!s || s->slot != SIO_OPEN) return (int)n;
    int probe = conn_of(s, G_PROBE) == c;
    if (!probe && conn_of(s, G_WS) != c) return (int)n;
    int binary = (flags & WS_MSG_TYPE) == WS_OP_BINARY;
    /* Replies wait while an event frame is half sent on this socket. */
    if (!probe && (flags & WS_MSG_LAST) && subs_busy_ctx(s)) return WS_BUSY;
    if ((flags & (WS_MSG_FIRST | WS_MSG_LAST)) == (WS_MSG_FIRST | WS_MSG_LAST)) {
        ws_packet(ws, s, probe, binary, p, n);
        return (int)n;
    }
    conn_t *owner = conn_deref(asm_owner);
    if (flags & WS_MSG_FIRST) {
        if (owner && owner != c) return WS_BUSY; /* another message is being put together */
        asm_owner = conn_ref(c);
        asm_len = 0;
    } else if (owner != c) {
        return (int)n; /* the rest of a message already refused */
    }
    if (n > sizeof asm_buf - asm_len) {
        asm_owner.gen = 0;
        eio_sess_close(&s->eio, EIO_REASON_PARSE); /* over maxPayload */
        return (int)n;
    }
    memcpy(asm_buf + asm_len, p, n);
    asm_len += n;
    if (flags & WS_MSG_LAST) {
        asm_owner.gen = 0;
        ws_packet(ws, s, probe, binary, asm_buf, asm_len);
    }
    return (int)n;
}

static void ws_writable(ws_conn_t *ws)
{
    sio_session_t *s = ws->user;
    if (!s || s->slot != SIO_OPEN || conn_of(s, G_WS) != ws_endpoint_conn(ws)) return;
    ws_output(s);
    subs_fanout_ctx(s);
}

static void ws_closed(ws_conn_t *ws, uint16_t code)
{
    (void)code;
    sio_session_t *s = ws->user;
    ws->user = NULL;
    if (!s || s->slot != SIO_OPEN) return;
    conn_t *c = ws_endpoint_conn(ws);
    if (conn_of(s, G_PROBE) == c) {
        s->glue[G_PROBE] = 0;
        eio_sess_transport_gone(&s->eio, 1);
    } else if (conn_of(s, G_WS) == c) {
        s->glue[G_WS] = 0;
        eio_sess_transport_gone(&s->eio, 0);
    }
}

static const ws_handler_t ws_handler = {NULL, ws_message, ws_writable, ws_closed};

/* ---- job events ---------------------------------------------------------------------- */

/* The event being written (render measures it before begin). */
static const job_t *cur_job;
static uint32_t cur_id;

static void tr_render(void *ctx, sink_t *k, const event_ref_t *r)
{
    sio_session_t *s = ctx;
    cur_job = r->job;
    cur_id = r->ev.id;
    if (s->eio.transport == EIO_TR_POLLING) {
        sio_render_offset(k, s, r->job, r->ev.id);
        sink_put(k, "\x1e", 1);
        sio_render_event(k, s, r);
        sink_put(k, "\x1e", 1);
    } else {
        sio_render_event(k, s, r);
    }
}

static size_t tr_space(void *ctx)
{
    sio_session_t *s = ctx;
    if (s->eio.transport == EIO_TR_POLLING) return poll_owner == s ? poll_cap - poll_len : 0;
    conn_t *c = conn_of(s, G_WS);
    /* Queued packets go before the next event, but an event already begun goes first: the
     * packets wait for it (ws_output), so holding it back too would hold both for good (a
     * ping queued while a window was shut killed sessions under loss). */
    if (!c || (s->eio.q_count && !subs_busy_ctx(s))) return 0;
    size_t sp = conn_space(c);
    return sp > sizeof mark_buf + 14 ? sp - sizeof mark_buf - 14 : 0;
}

static int tr_begin(void *ctx, size_t len)
{
    sio_session_t *s = ctx;
    if (s->eio.transport == EIO_TR_POLLING) {
        /* Begun only if it goes into this response whole (offset and event: two packets),
         * so that no event is half written when the session moves to WebSocket, which could
         * not carry on a polling event's rest (the packet count was once checked after this
         * counted them, in tr_space: the event stayed half written, and after an upgrade
         * the session was stuck). */
        if (poll_owner != s || poll_count + 2 > EIO_POLL_MAX_PACKETS || poll_len + len > poll_cap)
            return -1;
        poll_count += 2;
        sio_event_sent(s, cur_job, cur_id);
        return 0;
    }
    ws_conn_t *ws = ws_of(s, G_WS);
    if (!ws || s->eio.q_count) return -1; /* queued packets first (ws_writable, then us) */
    sink_t k;
    sink_init(&k, mark_buf, sizeof mark_buf, 0);
    sio_render_offset(&k, s, cur_job, cur_id);
    /* Room for the offset's frame and the event's frame header now; the event's body goes
     * out as the window opens (an event may be larger than a whole send window: a TLS
     * connection takes one record at a time). */
    if (k.n != k.pos || ws_conn_tx_space(ws) < k.n + 14 + 14) return -1;
    if (ws_conn_send(ws, WS_OP_TEXT, mark_buf, k.n) != 0) return -1;
    sio_event_sent(s, cur_job, cur_id);
    return ws_conn_frame_begin(ws, WS_OP_TEXT, true, len) == 0 ? 0 : -1;
}

static size_t tr_write(void *ctx, const void *p, size_t n)
{
    sio_session_t *s = ctx;
    if (s->eio.transport == EIO_TR_POLLING) {
        if (poll_owner != s) return 0;
        if (n > poll_cap - poll_len) n = poll_cap - poll_len;
        poll_put(p, n);
        return n;
    }
    ws_conn_t *ws = ws_of(s, G_WS);
    return ws ? ws_conn_frame_write(ws, p, n) : 0;
}

static void tr_flush(void *ctx)
{
    sio_session_t *s = ctx;
    ws_conn_t *ws = s->eio.transport == EIO_TR_WEBSOCKET ? ws_of(s, G_WS) : NULL;
    if (ws) {
        ws_conn_flush(ws);
        conn_settle(ws_endpoint_conn(ws));
    }
}

static void tr_final(void *ctx, int sub)
{
    (void)ctx;
    subs_remove(sub); /* the session keeps its record of the job for recovery */
}

static const sub_transport_t sio_transport = {
    .name = "socketio",
    .render = tr_render,
    .overhead = 0,
    .space = tr_space,
    .begin = tr_begin,
    .write = tr_write,
    .flush = tr_flush,
    .final_sent = tr_final,
};

/* ---- the Socket.IO layer's requests -------------------------------------------------- */

static void g_output(sio_session_t *s)
{
    if (s->eio.transport == EIO_TR_WEBSOCKET)
        ws_output(s);
    else
        poll_answer(s);
}

static void g_probe_failed(sio_session_t *s)
{
    ws_conn_t *ws = ws_of(s, G_PROBE);
    s->glue[G_PROBE] = 0;
    if (ws) {
        ws->user = NULL;
        ws_conn_close(ws, 1000);
    }
}

/* Why a session ended, for the log: the client's own goodbyes (a close packet, its
 * connection gone) are not logged. */
static const char *why_text(eio_reason_t why)
{
    switch (why) {
    case EIO_REASON_PING:
        return "no pong in time";
    case EIO_REASON_PARSE:
        return "malformed packet";
    case EIO_REASON_OVERLAP:
        return "overlapping requests";
    case EIO_REASON_SERVER:
        return "closed by the server";
    default:
        return "?";
    }
}

static void g_closed(sio_session_t *s, eio_reason_t why)
{
    conn_t *c = conn_of(s, G_GET);
    if (why != EIO_REASON_CLIENT && why != EIO_REASON_TRANSPORT) {
        /* Enough of its state to tell a client that left from a session that was stuck. */
        int polling = s->eio.transport == EIO_TR_POLLING;
        LOGI("sio: session %s closed (%d: %s) on %s%s%s", s->eio.sid, (int)why, why_text(why),
             polling ? "polling" : "websocket", polling && !c ? ", no GET waiting" : "",
             subs_busy_ctx(s) ? ", an event half written" : "");
    }
    s->glue[G_GET] = 0;
    if (c && http_is_deferred(c)) reply_text(c, s, "1", 1);
    for (int k = G_WS; k <= G_PROBE; k++) {
        ws_conn_t *ws = ws_of(s, k);
        s->glue[k] = 0;
        if (ws) {
            ws->user = NULL;
            if (ws_conn_state(ws) == WS_ST_OPEN) ws_conn_close(ws, 1000);
        }
    }
}

static int g_follow(sio_session_t *s, job_t *j, uint32_t after, unsigned flags)
{
    return subs_add(j, after, flags, &sio_transport, s) >= 0 ? 0 : -1;
}

static void g_unfollow(sio_session_t *s, const job_t *j)
{
    int sub = subs_find(s, j);
    if (sub >= 0) subs_remove(sub);
}

static const sio_glue_t glue = {g_output, g_probe_failed, g_closed, g_follow, g_unfollow};

void sio_http_init(void)
{
    sio_init(&glue);
}

int sio_http_tick(void)
{
    sio_tick(board_now_ms());
    for (int i = 0; i < MAX_SIO_SESSIONS; i++) {
        sio_session_t *s = sio_at(i);
        if (s->slot == SIO_OPEN && s->eio.transport == EIO_TR_WEBSOCKET && s->eio.q_count)
            ws_output(s);
    }
    return 0;
}

/* ---- requests ------------------------------------------------------------------------ */

void sio_http_handle(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    cors_for(req->origin, cors_lines, sizeof cors_lines, req->method == HTTP_M_OPTIONS);
    if (req->origin[0] && !origin_allowed(req->origin)) {
        char b[80];
        sink_t k;
        sink_init(&k, b, sizeof b, 0);
        eio_render_error(&k, EIO_ERR_FORBIDDEN);
        http_reply(c, 403, "application/json", b, k.n, HTTP_BODY_COPY, "");
        return;
    }
    if (req->method == HTTP_M_OPTIONS) {
        http_reply(c, 204, NULL, NULL, 0, HTTP_BODY_COPY, cors_lines);
        return;
    }
    eio_query_t q;
    if (eio_query_parse(req->target, &q) != 0) return reply_eio_error(c, (eio_err_t)q.err);
    uint32_t now = board_now_ms();
    if (!q.has_sid) {
        if (req->method != HTTP_M_GET) return reply_eio_error(c, EIO_ERR_METHOD);
        if (q.transport == EIO_TR_WEBSOCKET && !req->upgrade_ws)
            return reply_eio_error(c, EIO_ERR_BAD);
        sio_session_t *s = sio_open((eio_transport_t)q.transport, now);
        if (!s) {
            http_reply_error(c, 503, "unavailable", NULL, "too many Socket.IO sessions",
                             "Retry-After: 1\r\n");
            return;
        }
        if (q.transport == EIO_TR_WEBSOCKET) {
            ws_conn_t *ws = ws_endpoint_upgrade(c, req, &ws_handler);
            if (!ws) {
                eio_sess_close(&s->eio, EIO_REASON_TRANSPORT);
                return;
            }
            ws->user = s;
            set_ref(s, G_WS, c);
            ws_output(s); /* the open packet is the first frame */
            return;
        }
        /* The handshake GET is answered with the open packet alone. */
        size_t n;
        const uint8_t *p = eio_sess_peek(&s->eio, &n);
        remember_origin(s, req->origin);
        reply_text(c, s, (const char *)p, n);
        eio_sess_pop(&s->eio);
        return;
    }
    sio_session_t *s = sio_find(q.sid);
    if (!s) return reply_eio_error(c, EIO_ERR_SID);
    if (q.transport == EIO_TR_WEBSOCKET) {
        if (req->method != HTTP_M_GET || !req->upgrade_ws) return reply_eio_error(c, EIO_ERR_BAD);
        if (eio_sess_probe_begin(&s->eio) != 0) return reply_eio_error(c, EIO_ERR_BAD);
        ws_conn_t *ws = ws_endpoint_upgrade(c, req, &ws_handler);
        if (!ws) {
            eio_sess_transport_gone(&s->eio, 1);
            return;
        }
        ws->user = s;
        set_ref(s, G_PROBE, c);
        return;
    }
    if (req->method == HTTP_M_GET) {
        int r = eio_sess_get(&s->eio);
        if (r != 0) return reply_eio_error(c, EIO_ERR_BAD);
        set_ref(s, G_GET, c);
        remember_origin(s, req->origin);
        http_defer(c, SIO_PING_INTERVAL_MS + SIO_PING_TIMEOUT_MS, &get_wait, s);
        poll_answer(s);
        return;
    }
    if (req->method == HTTP_M_POST) {
        int r = eio_sess_post(&s->eio, body, len);
        if (r != 0) return reply_eio_error(c, EIO_ERR_BAD);
        http_reply(c, 200, "text/html", "ok", 2, HTTP_BODY_STATIC, cors_lines);
        return;
    }
    reply_eio_error(c, EIO_ERR_BAD);
}
