/* GET /api/health: liveness plus the figures an operator needs to size the device: uptime,
 * connections, and every static pool's use and high-water mark. */
#include <stdint.h>

#include "app/api/handlers.h"
#include "app/api/health.h"
#include "app/app.h"
#include "app/board.h"
#include "app/gen/gen.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "app/sio/sio.h"
#include "app/util/sink.h"
#include "app/telemetry/telemetry.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "port/altcp_tls3.h"
#include "port/json_arena.h"

typedef struct {
    const char *name;
    int id;
} pool_t;

static const pool_t pools[] = {
    {"tcp_pcb", MEMP_TCP_PCB}, {"tcp_seg", MEMP_TCP_SEG},     {"altcp_pcb", MEMP_ALTCP_PCB},
    {"pbuf_ref", MEMP_PBUF},   {"pbuf_pool", MEMP_PBUF_POOL}, {"timeouts", MEMP_SYS_TIMEOUT},
};

/* `"name":v` with the separator before it: pre is "," or "{" (or "" for the first member). */
static void num(sink_t *s, const char *pre, const char *name, uint32_t v)
{
    sink_str(s, pre);
    sink_put(s, "\"", 1);
    sink_str(s, name);
    sink_put(s, "\":", 2);
    sink_u32(s, v);
}

static void format_pool(sink_t *s, const char *name, uint32_t used, uint32_t peak, uint32_t size,
                        uint32_t err)
{
    sink_put(s, "\"", 1);
    sink_str(s, name);
    sink_put(s, "\":", 2);
    num(s, "{", "used", used);
    num(s, ",", "peak", peak);
    num(s, ",", "size", size);
    num(s, ",", "failed", err);
    sink_put(s, "}", 1);
}

static void render(sink_t *s)
{
    const http_server_stats_t *hs = http_server_stats();
    board_net_stats_t ns;
    board_net_stats(&ns);
    sink_str(s, "{\"status\":\"ok\",\"board\":");
    sink_json_str(s, board_name());
    num(s, ",", "uptime_ms", board_now_ms());

    sink_str(s, ",\"connections\":");
    num(s, "{", "active", hs->active);
    num(s, ",", "max", MAX_CONNS);
    num(s, ",", "peak", hs->peak);
    num(s, ",", "http", hs->http);
    num(s, ",", "streams", hs->stream);
    num(s, ",", "closing", hs->lingering);
    num(s, ",", "accepted", hs->accepted);
    num(s, ",", "refused", hs->refused);
    num(s, ",", "evicted", hs->evicted);
    num(s, ",", "timeouts", hs->timeouts_408);
    num(s, ",", "spills", hs->spills);
    num(s, ",", "input_aborts", hs->rx_aborts);

    const app_loop_stats_t *ls = app_loop_stats();
    sink_str(s, "},\"loop\":");
    num(s, "{", "passes", ls->passes);
    num(s, ",", "max_pass_us", ls->max_pass_us);

    sink_str(s, "},\"generator\":{\"status\":");
    sink_str(s, jobs_count(JOB_RUNNING) ? "\"busy\"" : "\"ready\"");
    num(s, ",", "arena_bytes", (uint32_t)gen_arena_bytes());
    num(s, ",", "longest_slice_macs", (uint32_t)gen_longest_slice_macs());

    const jobs_stats_t *js = jobs_stats();
    sink_str(s, "},\"jobs\":");
    num(s, "{", "queued", (uint32_t)jobs_count(JOB_QUEUED));
    num(s, ",", "running", (uint32_t)jobs_count(JOB_RUNNING));
    num(s, ",", "kept", (uint32_t)(jobs_count(JOB_DONE) + jobs_count(JOB_FAILED)));
    num(s, ",", "max_queued", MAX_JOBS_QUEUED);
    num(s, ",", "created", js->created);
    num(s, ",", "completed", js->completed);
    num(s, ",", "failed", js->failed);
    num(s, ",", "cancelled", js->cancelled);
    num(s, ",", "rejected_full", js->rejected_full);

    const subs_stats_t *ss = subs_stats();
    sink_str(s, "},\"subscribers\":");
    num(s, "{", "active", ss->active);
    num(s, ",", "peak", ss->peak);
    num(s, ",", "max", MAX_SUBS);
    num(s, ",", "events_sent", ss->events_sent);
    num(s, ",", "window_waits", ss->window_waits);

    const sio_stats_t *so = sio_stats();
    int so_poll, so_ws, so_dropped;
    sio_counts(&so_poll, &so_ws, &so_dropped);
    sink_str(s, "},\"socketio\":");
    num(s, "{", "sessions", (uint32_t)(so_poll + so_ws));
    num(s, ",", "max", MAX_SIO_SESSIONS);
    num(s, ",", "polling", (uint32_t)so_poll);
    num(s, ",", "websocket", (uint32_t)so_ws);
    num(s, ",", "awaiting_recovery", (uint32_t)so_dropped);
    num(s, ",", "opened", so->opened);
    num(s, ",", "recovered", so->recovered);
    num(s, ",", "refused", so->refused);
    num(s, ",", "malformed", so->malformed);

    const telemetry_stats_t *ts = telemetry_stats();
    sink_str(s, "},\"fleet\":");
    num(s, "{", "index", app_fleet_index());
    sink_str(s, ",\"device\":");
    sink_json_str(s, app_device_name());
    sink_str(s, ",\"telemetry\":{\"enabled\":");
    sink_str(s, telemetry_enabled() ? "true" : "false");
    sink_str(s, ",\"connected\":");
    sink_str(s, ts->connected ? "true" : "false");
    num(s, ",", "connects", ts->connects);
    num(s, ",", "published", ts->published);
    num(s, ",", "dropped", ts->dropped);
    sink_str(s, "}");

    sink_str(s, "},\"network\":");
    num(s, "{", "frames_in", ns.frames_in);
    num(s, ",", "frames_out", ns.frames_out);
    num(s, ",", "dropped_in", ns.dropped_in);
    num(s, ",", "dropped_out", ns.dropped_out);

    const tls3_stats_t *tl = tls3_stats();
    sink_str(s, "},\"tls\":{\"enabled\":");
    sink_str(s, tls3_ready() ? "true" : "false");
    num(s, ",", "sessions", tl->sessions);
    num(s, ",", "sessions_peak", tl->sessions_peak);
    num(s, ",", "max", MAX_TLS);
    num(s, ",", "handshakes", tl->handshakes);
    num(s, ",", "handshakes_peak", tl->handshakes_peak);
    num(s, ",", "handshakes_max", TLS_HANDSHAKES_MAX);
    num(s, ",", "waiting", tl->handshakes_waiting);
    num(s, ",", "completed", tl->completed);
    num(s, ",", "resumed", tl->resumed);
    num(s, ",", "failed", tl->failed);
    num(s, ",", "timeouts", tl->timeouts);
    num(s, ",", "refused", tl->refused);
    num(s, ",", "alerts_in", tl->alerts_in);
    num(s, ",", "errors", tl->errors);
    num(s, ",", "last_full_ms", tl->full_ms_last);
    num(s, ",", "last_resumed_ms", tl->resumed_ms_last);
    num(s, ",", "full_work_us", tl->full_cpu_us);
    num(s, ",", "resumed_work_us", tl->resumed_cpu_us);
    num(s, ",", "full_work_min_us", tl->full_cpu_min_us);
    num(s, ",", "resumed_work_min_us", tl->resumed_cpu_min_us);
    num(s, ",", "longest_step_us", tl->step_max_us);
    sink_str(s, ",\"heap\":");
    num(s, "{", "used", (uint32_t)tl->heap_used);
    num(s, ",", "peak", (uint32_t)tl->heap_peak);
    num(s, ",", "size", (uint32_t)tl->heap_size);
    num(s, ",", "baseline", (uint32_t)tl->heap_baseline);
    num(s, ",", "session_peak", (uint32_t)tl->heap_session_peak);
    sink_put(s, "}", 1);

    sink_str(s, "},\"memory\":{");
    format_pool(s, "lwip_heap", lwip_stats.mem.used, lwip_stats.mem.max, lwip_stats.mem.avail,
                lwip_stats.mem.err);
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        const struct stats_mem *m = lwip_stats.memp[pools[i].id];
        sink_put(s, ",", 1);
        format_pool(s, pools[i].name, m->used, m->max, m->avail, m->err);
    }
    sink_put(s, ",", 1);
    format_pool(s, "http_body", hs->body_slots_used, hs->body_slots_peak, CONN_SLOTS, 0);
    sink_put(s, ",", 1);
    format_pool(s, "json_arena", (uint32_t)json_arena_used(), (uint32_t)json_arena_peak(),
                JSON_ARENA_SIZE, 0);
    sink_str(s, "}}");
}

int api_health_render(char *out, size_t cap)
{
    sink_t s;
    sink_init(&s, out, cap, 0);
    render(&s);
    if (sink_overflowed(&s) || s.n > INT32_MAX) return -1;
    return (int)s.n;
}

void api_health(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    int n = api_health_render(http_scratch(), HTTP_SCRATCH_SIZE);
    if (n < 0) {
        http_reply_error(c, 500, "internal", NULL, "health report too large", "");
        return;
    }
    http_reply_json(c, 200, (size_t)n);
}
