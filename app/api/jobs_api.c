/* The job REST API: POST /api/generate, GET and DELETE /api/jobs/<id>,
 * GET /api/images/<id>/<n>.png, POST /api/warmup. */
#include <string.h>

#include "app/api/gen_request.h"
#include "app/api/handlers.h"
#include "app/api/job_path.h"
#include "app/board.h"
#include "app/jobs/event_render.h"
#include "app/jobs/jobs.h"
#include "app/log.h"
#include "app/util/sink.h"
#include "port/json_arena.h"

/* GET /api/images encodes its PNG into the HTTP scratch buffer. */
_Static_assert(HTTP_SCRATCH_SIZE >= GEN_PNG_MAX, "HTTP_SCRATCH_SIZE must hold one PNG");

static int is_json(const http_request_t *req)
{
    const char *ct = req->content_type;
    static const char want[] = "application/json";
    for (size_t i = 0; i < sizeof want - 1; i++) {
        char c = ct[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != want[i]) return 0;
    }
    char end = ct[sizeof want - 1];
    return end == 0 || end == ';' || end == ' ';
}

/* A job document into the HTTP scratch buffer: {"session_id":…,"status":…, and the position
 * while queued; the caller adds the rest and the closing brace. */
static void job_doc_begin(sink_t *s, const job_t *j, const char *status)
{
    sink_init(s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    sink_str(s, "{\"session_id\":\"");
    sink_str(s, j->hex);
    sink_str(s, "\",\"status\":");
    sink_json_str(s, status);
    if (j->state == JOB_QUEUED) {
        sink_str(s, ",\"position\":");
        sink_i32(s, jobs_position(j));
    }
}

/* Parse a JSON body into a validated request, or answer the error. Returns 0 on success. */
static int parse_body(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len,
                      gen_request_t *g, uint8_t *num_images)
{
    if (!is_json(req)) {
        http_reply_error(c, 415, "unsupported_media_type", NULL,
                         "send the request as Content-Type: application/json", "");
        return -1;
    }
    json_arena_reset();
    cJSON *root = json_parse_whole((const char *)body, len);
    if (!root) {
        http_reply_error(c, 400, "invalid_json", NULL, "the body is not valid JSON", "");
        return -1;
    }
    api_error_t err;
    int r = gen_request_from_json(root, g, num_images, &err);
    json_arena_reset();
    if (r != 0) {
        http_reply_error(c, 400, err.field ? "invalid_argument" : "bad_request", err.field,
                         err.message, "");
        return -1;
    }
    return 0;
}

void api_generate(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    gen_request_t g;
    uint8_t num_images;
    if (parse_body(c, req, body, len, &g, &num_images) != 0) return;
    job_t *j = jobs_submit(&g, num_images, 0);
    if (!j) {
        http_reply_error(c, 503, "queue_full", NULL, "the job queue is full, retry shortly",
                         "Retry-After: 5\r\n");
        return;
    }
    sink_t s;
    job_doc_begin(&s, j, "queued");
    sink_str(&s, ",\"events\":\"/api/jobs/");
    sink_str(&s, j->hex);
    sink_str(&s, "/events\",\"websocket\":\"/ws\"}");
    http_reply(c, 202, "application/json", http_scratch(), s.n, HTTP_BODY_COPY, "");
}

static job_t *job_or_404(conn_t *c, const char *hex)
{
    job_t *j = hex ? jobs_find(hex) : NULL;
    if (!j || j->warmup) http_reply_error(c, 404, "not_found", "session_id", "no such session", "");
    return j && !j->warmup ? j : NULL;
}

void api_job_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)body, (void)len;
    job_path_t p;
    job_path_parse(req->target, &p);
    job_t *j = job_or_404(c, p.ok ? p.id : NULL);
    if (!j) return;
    sink_t s;
    job_doc_begin(&s, j, jobs_state_name(j));
    uint32_t total = (uint32_t)j->req.steps * j->num_images;
    uint32_t step = 0;
    for (uint32_t id = j->events; id >= jobs_first_event(j) && id > 0 && !step; id--) {
        const job_event_t *ev = jobs_event(j, id);
        if (ev && ev->type == EV_PROGRESS) step = ev->a;
    }
    sink_str(&s, ",\"step\":");
    sink_u32(&s, step);
    sink_str(&s, ",\"total_steps\":");
    sink_u32(&s, total);
    sink_str(&s, ",\"last_event_id\":");
    sink_u32(&s, j->events);
    if (j->state == JOB_DONE) {
        sink_str(&s, ",\"image_paths\":");
        event_render_paths(&s, j);
    }
    if (j->state == JOB_FAILED) {
        sink_str(&s, ",\"error\":{\"code\":\"");
        sink_str(&s, jobs_error_name((job_error_t)j->error));
        sink_str(&s, "\"}");
    }
    sink_str(&s, ",\"metadata\":");
    event_render_metadata(&s, j);
    sink_str(&s, "}");
    if (sink_overflowed(&s)) {
        http_reply_error(c, 500, "internal", NULL, "job report too large", "");
        return;
    }
    http_reply_json(c, 200, s.n);
}

void api_job_delete(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)body, (void)len;
    job_path_t p;
    job_path_parse(req->target, &p);
    job_t *j = job_or_404(c, p.ok && p.tail && !*p.tail ? p.id : NULL); /* not /events */
    if (!j) return;
    if (jobs_cancel(j) != 0) {
        http_reply_error(c, 409, "conflict", NULL, "the job has already finished", "");
        return;
    }
    sink_t s;
    job_doc_begin(&s, j, "cancelled");
    sink_put(&s, "}", 1);
    http_reply_json(c, 200, s.n);
}

void api_image(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)body, (void)len;
    image_path_t p;
    const uint8_t *rgb = NULL;
    job_t *j = NULL;
    if (image_path_parse(req->target, &p) == 0 && (j = jobs_find(p.id)) != NULL && !j->warmup)
        rgb = jobs_image(j, p.n);
    if (!rgb) {
        http_reply_error(c, 404, "not_found", NULL, "no such image (or no longer kept)", "");
        return;
    }
    size_t n;
    const uint8_t *png = event_png(rgb, &n); /* shared with the fan-out: copied, not kept */
    http_reply(c, 200, "image/png", png, n, HTTP_BODY_COPY, "");
}

void api_jobs_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    job_path_t p;
    job_path_parse(req->target, &p);
    if (p.ok && strcmp(p.tail, "/events") == 0)
        api_job_events(c, req, &p);
    else
        api_job_get(c, req, body, len);
}

/* One job of the list: what the gallery shows. */
static void render_summary(sink_t *s, const job_t *j)
{
    sink_str(s, "{\"session_id\":\"");
    sink_str(s, j->hex);
    sink_str(s, "\",\"status\":\"");
    sink_str(s, jobs_state_name(j));
    sink_str(s, "\",\"last_event_id\":");
    sink_u32(s, j->events);
    sink_str(s, ",\"image_paths\":");
    event_render_paths(s, j);
    sink_str(s, ",\"metadata\":");
    event_render_metadata(s, j);
    sink_str(s, "}");
}

/* GET /api/jobs: every job the device holds (queued, running, finished and kept), newest
 * first. The list is one scratch buffer: jobs that would not fit are left out, oldest
 * first, and "truncated" says so (prompts of 255 escaped bytes can make 10 jobs exceed
 * HTTP_SCRATCH_SIZE). */
void api_jobs_list(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    static const char tail[] = "],\"truncated\":false}";
    sink_t s;
    sink_init(&s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    sink_str(&s, "{\"jobs\":[");
    uint32_t below = UINT32_MAX; /* seq of the last job listed */
    int listed = 0, truncated = 0;
    for (;;) {
        const job_t *next = NULL;
        for (int i = 0; i < JOB_SLOTS; i++) {
            const job_t *j = jobs_at(i);
            if (!j || j->state == JOB_FREE || j->warmup || j->seq >= below) continue;
            if (!next || j->seq > next->seq) next = j;
        }
        if (!next) break;
        below = next->seq;
        sink_t count;
        sink_init(&count, NULL, 0, 0);
        render_summary(&count, next);
        if (s.n + (listed ? 1 : 0) + count.pos + sizeof tail > HTTP_SCRATCH_SIZE) {
            truncated = 1;
            break;
        }
        if (listed++) sink_put(&s, ",", 1);
        render_summary(&s, next);
    }
    sink_str(&s, truncated ? "],\"truncated\":true}" : tail);
    http_reply_json(c, 200, s.n);
}
