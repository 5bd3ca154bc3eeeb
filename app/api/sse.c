/* GET /api/jobs/<id>/events: a job's events as Server-Sent Events. Every event from the
 * start, or after Last-Event-ID / ?after=N; `id:` is the event_id; a comment heartbeat when
 * the stream is quiet; the stream ends after the job's final event, and a client that has
 * already seen that event gets 204 (which tells EventSource to stop reconnecting). */
#include <stdlib.h>
#include <string.h>

#include "app/api/handlers.h"
#include "app/api/job_path.h"
#include "app/board.h"
#include "app/jobs/subs.h"
#include "app/log.h"

typedef struct {
    uint32_t last_write_ms;
} sse_state_t;

static sse_state_t *state(conn_t *c)
{
    return (sse_state_t *)(void *)c->u.proto_state;
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

static const sub_transport_t sse_transport = {tr_space, tr_begin, tr_write, tr_flush, tr_final};

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

static const conn_proto_t sse_proto = {"sse", p_bytes, p_writable, p_tick, p_close};

/* Last-Event-ID (sent by EventSource when it reconnects) wins over ?after=. */
static int start_after(const http_request_t *req, uint32_t *after)
{
    char q[16];
    const char *v = req->last_event_id[0] ? req->last_event_id : NULL;
    if (!v && http_query_param(req->target, "after", q, sizeof q) >= 0) v = q;
    *after = 0;
    if (!v) return 0;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || n > 0xFFFFFFFFul) return -1;
    *after = (uint32_t)n;
    return 0;
}

void api_job_events(conn_t *c, const http_request_t *req, const job_path_t *p)
{
    job_t *j = jobs_find(p->id);
    if (!j || j->warmup) {
        http_reply_error(c, 404, "not_found", "session_id", "no such session", "");
        return;
    }
    uint32_t after;
    if (start_after(req, &after) != 0) {
        http_reply_error(c, 400, "invalid_argument", "after",
                         "must be an event id (a whole number)", "");
        return;
    }
    /* Read before conn_take_over(): the request lives where the SSE state goes. */
    char tq[4];
    int timed = http_query_param(req->target, "timing", tq, sizeof tq) >= 0 && tq[0] == '1';
    if (jobs_is_final(j) && after >= j->events) {
        http_reply(c, 204, NULL, NULL, 0, HTTP_BODY_STATIC, "");
        return;
    }
    if (!subs_available()) {
        http_reply_error(c, 503, "unavailable", NULL, "too many subscribers, retry shortly",
                         "Retry-After: 2\r\n");
        return;
    }
    static const char head[] = "HTTP/1.1 200 OK\r\nServer: edgeartist\r\n"
                               "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
                               "Connection: keep-alive\r\nX-Accel-Buffering: no\r\n\r\n"
                               "retry: 1000\n\n";
    if (conn_space(c) < sizeof head || conn_write(c, head, sizeof head - 1) != 0) {
        conn_close(c);
        return;
    }
    conn_take_over(c, &sse_proto);
    state(c)->last_write_ms = board_now_ms();
    if (subs_add(j, after, (event_format_t)(EVF_SSE | (timed ? EVF_TIMED : 0)), &sse_transport, c) <
        0) {
        LOGW("sse: subscription table full (%d)", MAX_SUBS);
        conn_close(c); /* the head is out; a short stream makes EventSource retry */
        return;
    }
    subs_fanout_ctx(c);
    conn_flush(c);
}
