/* POST /api/warmup: runs a one-step generation through the queue and answers when it is
 * done, with the time it took; a way to check (and time) the whole generator path. The
 * connection waits without blocking anything: the superloop keeps serving meanwhile. */
#include <string.h>

#include "app/api/handlers.h"
#include "app/board.h"
#include "app/jobs/jobs.h"
#include "app/util/sink.h"

typedef struct {
    int8_t job;
    uint16_t gen;
    uint32_t t0;
} warmup_state_t;

static warmup_state_t *state(conn_t *c)
{
    return (warmup_state_t *)(void *)c->u.proto_state;
}

static size_t p_bytes(conn_t *c, const uint8_t *p, size_t n)
{
    (void)c, (void)p;
    return n;
}

static int p_tick(conn_t *c, uint32_t now)
{
    warmup_state_t *st = state(c);
    job_t *j = jobs_at(st->job);
    int gone = !j || j->gen != st->gen;
    if (!gone && !jobs_is_final(j)) return 0;
    int ok = !gone && j->state == JOB_DONE;
    uint32_t gen_ms = ok ? j->finished_ms - j->started_ms : 0;
    char body[192], head[192];
    sink_t bs, hs;
    sink_init(&bs, body, sizeof body, 0);
    sink_str(&bs,
             ok ? "{\"status\":\"ok\",\"services\":{\"generator\":{\"status\":\"ready\""
                : "{\"status\":\"degraded\",\"services\":{\"generator\":{\"status\":\"error\"");
    sink_str(&bs, ",\"time_ms\":");
    sink_u32(&bs, gen_ms);
    sink_str(&bs, "}},\"total_time_ms\":");
    sink_u32(&bs, now - st->t0);
    sink_str(&bs, "}");
    sink_init(&hs, head, sizeof head, 0);
    sink_str(&hs, "HTTP/1.1 ");
    sink_str(&hs, ok ? "200 OK" : "503 Service Unavailable");
    sink_str(&hs, "\r\nServer: edgeartist\r\nContent-Type: application/json\r\n"
                  "Cache-Control: no-store\r\nContent-Length: ");
    sink_u32(&hs, (uint32_t)bs.pos);
    sink_str(&hs, "\r\nConnection: close\r\n\r\n");
    if (sink_overflowed(&bs) || sink_overflowed(&hs)) { /* cannot happen: fixed text, 2 numbers */
        conn_close_later(c);
        return 0;
    }
    size_t hn = hs.n, bn = bs.n;
    if (conn_space(c) < hn + bn) return 0; /* try again next pass */
    conn_write(c, head, hn);
    conn_write(c, body, bn);
    conn_flush(c);
    conn_close_later(c);
    return 0;
}

static const conn_proto_t warmup_proto = {"warmup", p_bytes, NULL, p_tick, NULL};

void api_warmup(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    gen_request_t g;
    memset(&g, 0, sizeof g);
    strcpy(g.prompt, "a small red circle on a blue background");
    g.steps = 1;
    g.guidance10 = 10;
    g.seed = 1;
    job_t *j = jobs_submit(&g, 1, 1);
    if (!j) {
        http_reply_error(c, 503, "queue_full", NULL, "the job queue is full, retry shortly",
                         "Retry-After: 5\r\n");
        return;
    }
    conn_take_over(c, &warmup_proto);
    warmup_state_t *st = state(c);
    st->job = (int8_t)jobs_index(j);
    st->gen = j->gen;
    st->t0 = board_now_ms();
}
