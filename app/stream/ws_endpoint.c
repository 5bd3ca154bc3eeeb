#include "app/stream/ws_endpoint.h"

#include <string.h>

#include "app/board.h"
#include "app/jobs/event_render.h"
#include "app/log.h"
#include "app/ws/ws_handshake.h"

/* The WebSocket state lives in the connection's state area, in place of the HTTP parser
 * that is no longer needed. */
_Static_assert(sizeof(ws_conn_t) <= CONN_STATE_SIZE, "ws_conn_t must fit a connection");

/* A server frame header (no mask) is at most 10 bytes: 2 + 8 for a 64-bit length. */
#define WS_SERVER_HEAD_MAX 10

static size_t io_space(void *ctx)
{
    return conn_space(ctx);
}
static int io_write(void *ctx, const void *p, size_t n)
{
    return conn_write(ctx, p, n);
}
static void io_flush(void *ctx)
{
    conn_flush(ctx);
}
static void io_close(void *ctx)
{
    conn_close_later(ctx);
}

static const ws_io_t io = {io_space, io_write, io_flush, io_close};

static ws_conn_t *ws_of(conn_t *c)
{
    return (ws_conn_t *)conn_state(c);
}

ws_conn_t *ws_endpoint_ws(conn_t *c)
{
    return ws_of(c);
}

conn_t *ws_endpoint_conn(ws_conn_t *ws)
{
    return ws->io_ctx;
}

static size_t p_bytes(conn_t *c, const uint8_t *p, size_t n)
{
    return ws_conn_on_bytes(ws_of(c), p, n);
}

static void p_writable(conn_t *c)
{
    ws_conn_on_writable(ws_of(c));
}

static int p_tick(conn_t *c, uint32_t now)
{
    ws_conn_t *ws = ws_of(c);
    ws_conn_tick(ws, now);
    /* Room freed by other connections does not raise this one's sent-callback. */
    if (ws_conn_state(ws) == WS_ST_OPEN && conn_space(c) > 0) ws_conn_on_writable(ws);
    return 0;
}

static void p_close(conn_t *c)
{
    ws_conn_t *ws = ws_of(c);
    if (ws_conn_state(ws) != WS_ST_CLOSED) ws_conn_on_tcp_closed(ws);
}

static const conn_proto_t ws_proto = {
    .name = "ws",
    .kind = CONN_KIND_STREAM,
    .on_bytes = p_bytes,
    .on_writable = p_writable,
    .on_tick = p_tick,
    .on_close = p_close,
};

ws_conn_t *ws_endpoint_upgrade(conn_t *c, const http_request_t *req, const ws_handler_t *h)
{
    static const ws_handshake_policy_t policy = {NULL, 0, NULL, 0};
    ws_handshake_t hs;
    char buf[256];
    ws_handshake_check(req, &policy, &hs);
    size_t n = ws_handshake_response(&hs, buf, sizeof buf);
    if (hs.status != 101) {
        LOGI("conn %u: websocket handshake refused (%u %s)", conn_index(c), hs.status,
             hs.error ? hs.error : "");
        if (n) conn_write(c, buf, n);
        conn_close(c);
        return NULL;
    }
    if (n == 0 || conn_write(c, buf, n) != 0) {
        conn_close(c);
        return NULL;
    }
    http_take_over(c, &ws_proto);
    ws_conn_t *ws = ws_of(c);
    ws_conn_open(ws, &io, c, h, NULL, NULL, board_now_ms());
    conn_flush(c); /* the 101, even when on_open sends nothing */
    conn_settle(c);
    return ws;
}

/* ---- job events over a WebSocket ------------------------------------------------- */

static void ev_render(void *ctx, sink_t *s, const event_ref_t *r)
{
    (void)ctx;
    event_render_json(s, r);
}
static size_t ev_space(void *ctx)
{
    return conn_space(ctx);
}
static int ev_begin(void *ctx, size_t len)
{
    return ws_conn_frame_begin(ws_of(ctx), WS_OP_TEXT, true, len) == 0 ? 0 : -1;
}
static size_t ev_write(void *ctx, const void *p, size_t n)
{
    return ws_conn_frame_write(ws_of(ctx), p, n);
}
static void ev_flush(void *ctx)
{
    ws_conn_flush(ws_of(ctx));
}
static void ev_final(void *ctx, int sub)
{
    (void)ctx;
    subs_remove(sub); /* the connection stays for other jobs */
}

const sub_transport_t ws_event_transport = {
    .render = ev_render,
    .overhead = WS_SERVER_HEAD_MAX,
    .space = ev_space,
    .begin = ev_begin,
    .write = ev_write,
    .flush = ev_flush,
    .final_sent = ev_final,
    .name = "ws",
};
