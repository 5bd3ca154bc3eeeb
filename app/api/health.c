/* GET /api/health: liveness plus the figures an operator needs to size the device: uptime,
 * connections, and every static pool's use and high-water mark. */
#include "app/api/handlers.h"
#include "app/app.h"
#include "app/board.h"
#include "app/gen/gen.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "app/util/sink.h"
#include "port/json_arena.h"

typedef struct {
    const char *name;
    int id;
} pool_t;

static const pool_t pools[] = {
    {"tcp_pcb", MEMP_TCP_PCB}, {"tcp_seg", MEMP_TCP_SEG},     {"altcp_pcb", MEMP_ALTCP_PCB},
    {"pbuf_ref", MEMP_PBUF},   {"pbuf_pool", MEMP_PBUF_POOL}, {"timeouts", MEMP_SYS_TIMEOUT},
};

/* Rendered with the sink (app/util/sink.h), not snprintf: at 20 k requests/s the printf
 * machinery was a fifth of the device's CPU time. */
typedef struct {
    const char *key;
    uint32_t value;
} field_t;

/* "name":{"key":value,...} */
static void object(sink_t *s, const char *name, const field_t *f, size_t n)
{
    sink_put(s, "\"", 1);
    sink_str(s, name);
    sink_put(s, "\":{", 3);
    for (size_t i = 0; i < n; i++) {
        if (i) sink_put(s, ",", 1);
        sink_put(s, "\"", 1);
        sink_str(s, f[i].key);
        sink_put(s, "\":", 2);
        sink_u32(s, f[i].value);
    }
    sink_put(s, "}", 1);
}

#define OBJECT(s, name, ...)                                                                       \
    do {                                                                                           \
        const field_t f_[] = {__VA_ARGS__};                                                        \
        object(s, name, f_, sizeof f_ / sizeof f_[0]);                                             \
    } while (0)

static void pool(sink_t *s, const char *name, uint32_t used, uint32_t peak, uint32_t size,
                 uint32_t err)
{
    OBJECT(s, name, {"used", used}, {"peak", peak}, {"size", size}, {"failed", err});
}

void api_health(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    sink_t s;
    sink_init(&s, http_scratch(), HTTP_SCRATCH_SIZE, 0);
    const http_server_stats_t *hs = http_server_stats();
    board_net_stats_t ns;
    board_net_stats(&ns);
    sink_str(&s, "{\"status\":\"ok\",\"board\":");
    sink_json_str(&s, board_name());
    sink_str(&s, ",\"uptime_ms\":");
    sink_u32(&s, board_now_ms());
    sink_put(&s, ",", 1);
    OBJECT(&s, "connections", {"active", hs->active}, {"max", MAX_CONNS}, {"peak", hs->peak},
           {"http", hs->http}, {"streams", hs->stream}, {"closing", hs->lingering},
           {"accepted", hs->accepted}, {"refused", hs->refused}, {"timeouts", hs->timeouts_408},
           {"spills", hs->spills}, {"input_aborts", hs->rx_aborts});
    sink_put(&s, ",", 1);
    const jobs_stats_t *js = jobs_stats();
    const subs_stats_t *ss = subs_stats();
    const app_loop_stats_t *ls = app_loop_stats();
    OBJECT(&s, "loop", {"passes", ls->passes}, {"max_pass_us", ls->max_pass_us});
    sink_str(&s, ",\"generator\":{\"status\":");
    sink_str(&s, jobs_count(JOB_RUNNING) ? "\"busy\"" : "\"ready\"");
    sink_str(&s, ",\"arena_bytes\":");
    sink_u32(&s, (uint32_t)gen_arena_bytes());
    sink_str(&s, ",\"longest_slice_macs\":");
    sink_u32(&s, (uint32_t)gen_longest_slice_macs());
    sink_str(&s, "},");
    OBJECT(&s, "jobs", {"queued", (uint32_t)jobs_count(JOB_QUEUED)},
           {"running", (uint32_t)jobs_count(JOB_RUNNING)},
           {"kept", (uint32_t)(jobs_count(JOB_DONE) + jobs_count(JOB_FAILED))},
           {"max_queued", MAX_JOBS_QUEUED}, {"created", js->created}, {"completed", js->completed},
           {"failed", js->failed}, {"cancelled", js->cancelled},
           {"rejected_full", js->rejected_full});
    sink_put(&s, ",", 1);
    OBJECT(&s, "subscribers", {"active", ss->active}, {"peak", ss->peak}, {"max", MAX_SUBS},
           {"events_sent", ss->events_sent}, {"window_waits", ss->window_waits});
    sink_put(&s, ",", 1);
    OBJECT(&s, "network", {"frames_in", ns.frames_in}, {"frames_out", ns.frames_out},
           {"dropped_in", ns.dropped_in}, {"dropped_out", ns.dropped_out});
    sink_str(&s, ",\"memory\":{");
    pool(&s, "lwip_heap", lwip_stats.mem.used, lwip_stats.mem.max, lwip_stats.mem.avail,
         lwip_stats.mem.err);
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        const struct stats_mem *m = lwip_stats.memp[pools[i].id];
        sink_put(&s, ",", 1);
        pool(&s, pools[i].name, m->used, m->max, m->avail, m->err);
    }
    sink_put(&s, ",", 1);
    pool(&s, "http_body", hs->body_slots_used, hs->body_slots_peak, CONN_SLOTS, 0);
    sink_put(&s, ",", 1);
    pool(&s, "json_arena", (uint32_t)json_arena_used(), (uint32_t)json_arena_peak(),
         JSON_ARENA_SIZE, 0);
    sink_str(&s, "}}");
    if (s.pos > s.n) {
        http_reply_error(c, 500, "internal", NULL, "health report too large", "");
        return;
    }
    http_reply_json(c, 200, s.n);
}
