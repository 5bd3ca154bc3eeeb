/* GET /api/health: liveness plus the figures an operator needs to size the device: uptime,
 * connections, and every static pool's use and high-water mark. */
#include <stdio.h>

#include "app/api/handlers.h"
#include "app/app.h"
#include "app/board.h"
#include "app/gen/gen.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
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

#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (n < cap) n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__);                         \
    } while (0)

static size_t format_pool(char *out, size_t cap, const char *name, unsigned used, unsigned peak,
                          unsigned size, unsigned err)
{
    size_t n = 0;
    APPEND("\"%s\":{\"used\":%u,\"peak\":%u,\"size\":%u,\"failed\":%u}", name, used, peak, size,
           err);
    return n;
}

void api_health(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    char *out = http_scratch();
    size_t cap = HTTP_SCRATCH_SIZE, n = 0;
    const http_server_stats_t *hs = http_server_stats();
    board_net_stats_t ns;
    board_net_stats(&ns);
    APPEND("{\"status\":\"ok\",\"board\":\"%s\",\"uptime_ms\":%lu,", board_name(),
           (unsigned long)board_now_ms());
    APPEND("\"connections\":{\"active\":%lu,\"max\":%d,\"peak\":%lu,\"http\":%lu,\"streams\":%lu,"
           "\"closing\":%lu,\"accepted\":%lu,\"refused\":%lu,\"timeouts\":%lu,\"spills\":%lu,"
           "\"input_aborts\":%lu},",
           (unsigned long)hs->active, MAX_CONNS, (unsigned long)hs->peak, (unsigned long)hs->http,
           (unsigned long)hs->stream, (unsigned long)hs->lingering, (unsigned long)hs->accepted,
           (unsigned long)hs->refused, (unsigned long)hs->timeouts_408, (unsigned long)hs->spills,
           (unsigned long)hs->rx_aborts);
    const jobs_stats_t *js = jobs_stats();
    const subs_stats_t *ss = subs_stats();
    const app_loop_stats_t *ls = app_loop_stats();
    APPEND("\"loop\":{\"passes\":%lu,\"max_pass_us\":%lu},", (unsigned long)ls->passes,
           (unsigned long)ls->max_pass_us);
    APPEND("\"generator\":{\"status\":\"%s\",\"arena_bytes\":%lu,\"longest_slice_macs\":%lu},",
           jobs_count(JOB_RUNNING) ? "busy" : "ready", (unsigned long)gen_arena_bytes(),
           (unsigned long)gen_longest_slice_macs());
    APPEND("\"jobs\":{\"queued\":%d,\"running\":%d,\"kept\":%d,\"max_queued\":%d,"
           "\"created\":%lu,\"completed\":%lu,\"failed\":%lu,\"cancelled\":%lu,"
           "\"rejected_full\":%lu},",
           jobs_count(JOB_QUEUED), jobs_count(JOB_RUNNING),
           jobs_count(JOB_DONE) + jobs_count(JOB_FAILED), MAX_JOBS_QUEUED,
           (unsigned long)js->created, (unsigned long)js->completed, (unsigned long)js->failed,
           (unsigned long)js->cancelled, (unsigned long)js->rejected_full);
    APPEND("\"subscribers\":{\"active\":%lu,\"peak\":%lu,\"max\":%d,\"events_sent\":%lu},",
           (unsigned long)ss->active, (unsigned long)ss->peak, MAX_SUBS,
           (unsigned long)ss->events_sent);
    APPEND("\"network\":{\"frames_in\":%lu,\"frames_out\":%lu,\"dropped_in\":%lu,"
           "\"dropped_out\":%lu},",
           (unsigned long)ns.frames_in, (unsigned long)ns.frames_out, (unsigned long)ns.dropped_in,
           (unsigned long)ns.dropped_out);
    const tls3_stats_t *ts = tls3_stats();
    APPEND("\"tls\":{\"enabled\":%s,\"sessions\":%lu,\"sessions_peak\":%lu,\"max\":%d,"
           "\"handshakes\":%lu,\"handshakes_peak\":%lu,\"handshakes_max\":%d,"
           "\"waiting\":%lu,\"completed\":%lu,\"resumed\":%lu,\"failed\":%lu,"
           "\"timeouts\":%lu,\"refused\":%lu,\"alerts_in\":%lu,\"errors\":%lu,"
           "\"last_full_ms\":%lu,\"last_resumed_ms\":%lu,\"full_work_us\":%lu,"
           "\"resumed_work_us\":%lu,\"full_work_min_us\":%lu,\"resumed_work_min_us\":%lu,"
           "\"longest_step_us\":%lu,"
           "\"heap\":{\"used\":%lu,\"peak\":%lu,\"size\":%lu,\"baseline\":%lu}},",
           tls3_ready() ? "true" : "false", (unsigned long)ts->sessions,
           (unsigned long)ts->sessions_peak, MAX_TLS, (unsigned long)ts->handshakes,
           (unsigned long)ts->handshakes_peak, TLS_HANDSHAKES_MAX,
           (unsigned long)ts->handshakes_waiting, (unsigned long)ts->completed,
           (unsigned long)ts->resumed, (unsigned long)ts->failed, (unsigned long)ts->timeouts,
           (unsigned long)ts->refused, (unsigned long)ts->alerts_in, (unsigned long)ts->errors,
           (unsigned long)ts->full_ms_last, (unsigned long)ts->resumed_ms_last,
           (unsigned long)ts->full_cpu_us, (unsigned long)ts->resumed_cpu_us,
           (unsigned long)ts->full_cpu_min_us, (unsigned long)ts->resumed_cpu_min_us,
           (unsigned long)ts->step_max_us, (unsigned long)ts->heap_used,
           (unsigned long)ts->heap_peak, (unsigned long)ts->heap_size,
           (unsigned long)ts->heap_baseline);
    APPEND("\"memory\":{");
    n += format_pool(out + n, cap - n, "lwip_heap", lwip_stats.mem.used, lwip_stats.mem.max,
                     lwip_stats.mem.avail, lwip_stats.mem.err);
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        const struct stats_mem *m = lwip_stats.memp[pools[i].id];
        APPEND(",");
        n += format_pool(out + n, cap - n, pools[i].name, m->used, m->max, m->avail, m->err);
    }
    APPEND(",");
    n += format_pool(out + n, cap - n, "http_body", hs->body_slots_used, hs->body_slots_peak,
                     HTTP_BODY_BUFS, 0);
    APPEND(",");
    n += format_pool(out + n, cap - n, "json_arena", (unsigned)json_arena_used(),
                     (unsigned)json_arena_peak(), JSON_ARENA_SIZE, 0);
    APPEND("}}");
    if (n >= cap) {
        http_reply_error(c, 500, "internal", NULL, "health report too large", "");
        return;
    }
    http_reply_json(c, 200, n);
}
