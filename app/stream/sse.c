#include "app/stream/sse.h"

#include "app/board.h"
#include "app/jobs/subs.h"
#include "app/log.h"

typedef struct {
    uint32_t last_write_ms;
} sse_state_t;

static sse_state_t *state(conn_t *c)
{
    return (sse_state_t *)conn_state(c);
}

/* The envelope: "id: N\ndata: {json}\n\n". The JSON has no newline in it, so one data line
 * carries it whole. */
static void tr_render(void *ctx, sink_t *s, const event_ref_t *r)
{
    (void)ctx;
    sink_str(s, "id: ");
    sink_u32(s, r->ev.id);
    sink_str(s, "\ndata: ");
    event_render_json(s, r);
    sink_str(s, "\n\n");
}
static size_t tr_space(void *ctx)
{
    return conn_space(ctx);
}
static int tr_begin(void *ctx, size_t len)
{
    (void)ctx, (void)len;
    return 0; /* SSE has no framing beyond the text itself */
}
static size_t tr_write(void *ctx, const void *p, size_t n)
{
    conn_t *c = ctx;
    size_t room = conn_space(c);
    if (n > room) n = room;
    if (n == 0 || conn_write(c, p, n) != 0) return 0;
    state(c)->last_write_ms = board_now_ms();
    return n;
}
static void tr_flush(void *ctx)
{
    conn_flush(ctx);
}
static void tr_final(void *ctx, int sub)
{
    subs_remove(sub);
    conn_close_later(ctx); /* the stream ends with the job */
}

static const sub_transport_t sse_transport = {
    .render = tr_render,
    .overhead = 0,
    .space = tr_space,
    .begin = tr_begin,
    .write = tr_write,
    .flush = tr_flush,
    .final_sent = tr_final,
    .name = "sse",
};

static size_t p_bytes(conn_t *c, const uint8_t *p, size_t n)
{
    (void)c, (void)p;
    return n; /* nothing is expected from an SSE client */
}

static void p_writable(conn_t *c)
{
    subs_fanout_ctx(c);
}

static int p_tick(conn_t *c, uint32_t now)
{
    sse_state_t *st = state(c);
    if (now - st->last_write_ms >= SSE_HEARTBEAT_MS && !subs_busy_ctx(c)) {
        static const char beat[] = ": keepalive\n\n";
        if (conn_write(c, beat, sizeof beat - 1) == 0) {
            conn_flush(c);
            st->last_write_ms = now;
        }
    }
    return 0;
}

static void p_close(conn_t *c)
{
    subs_remove_ctx(c);
}

static const conn_proto_t sse_proto = {
    .name = "sse",
    .kind = CONN_KIND_STREAM,
    .on_bytes = p_bytes,
    .on_writable = p_writable,
    .on_tick = p_tick,
    .on_close = p_close,
};

void sse_open(conn_t *c, job_t *j, uint32_t after, unsigned flags)
{
    if (!subs_available()) {
        http_reply_error(c, 503, "unavailable", NULL, "too many subscribers, retry shortly",
                         "Retry-After: 2\r\n");
        return;
    }
    /* "retry:" tells EventSource to reconnect after 1 s instead of its default 3 s. */
    static const char retry[] = "retry: 1000\n\n";
    if (http_send_head(c, 200, "text/event-stream", -1, "keep-alive",
                       "X-Accel-Buffering: no\r\n") != 0 ||
        conn_write(c, retry, sizeof retry - 1) != 0) {
        conn_close(c);
        return;
    }
    http_take_over(c, &sse_proto);
    state(c)->last_write_ms = board_now_ms();
    if (subs_add(j, after, flags, &sse_transport, c) < 0) {
        LOGW("sse: subscription table full (%d)", MAX_SUBS);
        conn_close(c); /* the head is out; a short stream makes EventSource retry */
        return;
    }
    subs_fanout_ctx(c);
    conn_flush(c);
}
