/* The superloop: every pass moves frames in, runs lwIP's timers, does a bounded slice of
 * generation, pushes pending events, then sleeps only if nothing is left to do. */
#include "app/app.h"

#include <string.h>

#include "app/board.h"
#include "app/api/router.h"
#include "app/http/server.h"
#include "app/net/conn.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "app/log.h"
#include "app/sio/sio_http.h"
#include "app/telemetry/telemetry.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "port/altcp_tls3.h"

static app_config_t config;
static char default_name[8]; /* "edge" + up to 3 digits */

uint8_t app_fleet_index(void)
{
    return config.fleet_index;
}

/* The name given, or "edge<fleet index>" (also before app_init, for reports). */
const char *app_device_name(void)
{
    if (config.device_name) return config.device_name;
    unsigned n = config.fleet_index;
    char *p = default_name;
    memcpy(p, "edge", 4);
    p += 4;
    if (n >= 100) *p++ = (char)('0' + n / 100);
    if (n >= 10) *p++ = (char)('0' + n / 10 % 10);
    *p++ = (char)('0' + n % 10);
    *p = 0;
    return default_name;
}

void app_init(const app_config_t *cfg)
{
    config = *cfg;
    if (config.http_port == 0) config.http_port = 80;
    lwip_init();
    conn_init();
    http_server_init();
    jobs_init();
    jobs_set_fleet_index(config.fleet_index);
    subs_init();
    sio_http_init();
}

void app_set_wall_clock(uint64_t unix_ms)
{
    jobs_set_wall_clock(unix_ms);
}

int app_start(void)
{
    /* Telemetry is best effort: a bad setting is logged, and the device serves on. */
    if (config.mqtt_ip &&
        telemetry_start(config.mqtt_ip, config.mqtt_port, app_device_name(), config.fleet_index))
        LOGE("telemetry: device name '%s' cannot be used in a topic", app_device_name());
    /* The HTTP server is handed its request handler here: app/http knows no handler. */
    return http_server_start(config.http_port, api_dispatch);
}

static app_loop_stats_t loop_stats;

const app_loop_stats_t *app_loop_stats(void)
{
    return &loop_stats;
}

uint32_t app_poll_once(void)
{
    uint64_t t0 = board_now_us();
    board_netif_poll();
    sys_check_timeouts();
    int busy = jobs_run_slice();       /* a bounded slice of the running generation */
    busy |= sio_http_tick();           /* Socket.IO pings and queued packets */
    busy |= subs_fanout();             /* its events, to every subscriber, this pass */
    busy |= tls3_poll(board_now_ms()); /* handshake steps, deferred TLS work, timeouts */
    busy |= conn_poll(board_now_ms()); /* timeouts, pending output, protocol ticks */
    log_tick(board_now_ms());          /* a flood's summary line, also once it stops */
    /* The longest pass is what every client waits at worst: docs/design.md holds it to 5 ms. */
    uint32_t us = (uint32_t)(board_now_us() - t0);
    loop_stats.passes++;
    if (us > loop_stats.max_pass_us) loop_stats.max_pass_us = us;
    if (busy) return 0;
    u32_t sleep = sys_timeouts_sleeptime();
    /* Wake at least every 100 ms for connection timeouts and heartbeats. */
    return sleep > 100 ? 100 : sleep;
}

void app_run(void)
{
    while (!board_should_stop()) {
        uint32_t sleep = app_poll_once();
        board_idle(sleep);
    }
    LOGI("superloop: stopping");
    http_server_stop();
}
