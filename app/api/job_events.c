/* GET /api/jobs/<id>/events: a job's events as Server-Sent Events. Every event from the
 * start, or after Last-Event-ID / ?after=N; a client that has already seen the job's final
 * event gets 204 (which tells EventSource to stop reconnecting). The stream itself is
 * app/stream/sse.c. */
#include <stdlib.h>

#include "app/api/handlers.h"
#include "app/api/job_path.h"
#include "app/jobs/event_render.h"
#include "app/stream/sse.h"

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
        http_reply_error(c, 404, "not_found", "session_id", "no such session", NULL);
        return;
    }
    uint32_t after;
    if (start_after(req, &after) != 0) {
        http_reply_error(c, 400, "invalid_argument", "after",
                         "must be an event id (a whole number)", NULL);
        return;
    }
    if (jobs_is_final(j) && after >= j->events) {
        http_reply(c, 204, NULL, NULL, 0, HTTP_BODY_STATIC, NULL);
        return;
    }
    char tq[4];
    int timed = http_query_param(req->target, "timing", tq, sizeof tq) >= 0 && tq[0] == '1';
    sse_open(c, j, after, timed ? EVENT_TIMED : 0);
}
