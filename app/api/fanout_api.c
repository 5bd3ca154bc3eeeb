/* GET /api/debug/fanout: the device-side fan-out latency figures (app/jobs/fanout.h);
 * DELETE on the same path clears them, so that a benchmark reads one run alone. */
#include "app/api/handlers.h"
#include "app/jobs/fanout.h"
#include "app/util/sink.h"

void api_fanout_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    sink_t s;
    sink_init(&s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    fanout_render(&s);
    if (s.pos > s.n) {
        http_reply_error(c, 500, "internal", NULL, "fan-out report too large", "");
        return;
    }
    http_reply_json(c, 200, s.n);
}

void api_fanout_reset(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    fanout_reset();
    http_reply(c, 204, NULL, NULL, 0, HTTP_BODY_STATIC, "");
}
