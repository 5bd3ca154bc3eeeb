/* POST /api/warmup: runs a one-step generation through the queue and answers when it is
 * done, with the time it took; a way to check (and time) the whole generator path. The
 * connection waits without blocking anything: the superloop keeps serving meanwhile. */
#include <string.h>

#include "app/api/handlers.h"
#include "app/board.h"
#include "app/jobs/jobs.h"
#include "app/util/sink.h"

/* The request waits, deferred, for its job; the connection stays HTTP (keep-alive). What
 * it waits for is kept per connection: 8 B x MAX_CONNS (32) = 256 B. */
typedef struct {
    int8_t job;
    uint16_t gen;
    uint32_t t0;
} warmup_state_t;

static warmup_state_t waits[MAX_CONNS];

static void answer(conn_t *c, const warmup_state_t *w, int ok, uint32_t gen_ms, uint32_t now)
{
    sink_t b;
    sink_init(&b, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    sink_str(&b, ok ? "{\"status\":\"ok\",\"services\":{\"generator\":{\"status\":\"ready\""
                    : "{\"status\":\"degraded\",\"services\":{\"generator\":{\"status\":"
                      "\"error\"");
    sink_str(&b, ",\"time_ms\":");
    sink_u32(&b, gen_ms);
    sink_str(&b, "}},\"total_time_ms\":");
    sink_u32(&b, now - w->t0);
    sink_str(&b, "}");
    http_reply_json(c, ok ? 200 : 503, b.n); /* fixed text and two numbers: it fits */
}

static int w_poll(conn_t *c, void *arg, uint32_t now)
{
    const warmup_state_t *w = arg;
    job_t *j = jobs_at(w->job);
    int gone = !j || j->gen != w->gen;
    if (!gone && !jobs_is_final(j)) return 0;
    int ok = !gone && j->state == JOB_DONE;
    answer(c, w, ok, ok ? j->finished_ms - j->started_ms : 0, now);
    return 0;
}

static void w_expire(conn_t *c, void *arg)
{
    answer(c, arg, 0, 0, board_now_ms());
}

static const http_deferred_t warmup_wait = {w_poll, w_expire, NULL};

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
    warmup_state_t *w = &waits[conn_index(c)];
    w->job = (int8_t)jobs_index(j);
    w->gen = j->gen;
    w->t0 = board_now_ms();
    http_defer(c, WARMUP_TIMEOUT_MS, &warmup_wait, w);
}
