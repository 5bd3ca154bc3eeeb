/* Fleet telemetry: lwIP's MQTT client fed by a jobs observer and one lwIP timer. The client
 * lives in a static mqtt_client_t (never mqtt_client_new, which would take lwIP's heap);
 * its TCP connection is an altcp PCB from the same pools as the server's. */
#include "app/telemetry/telemetry.h"

#include <string.h>

#include "app/app.h"
#include "app/board.h"
#include "app/config.h"
#include "app/jobs/event_render.h"
#include "app/jobs/jobs.h"
#include "app/log.h"
#include "app/net/conn.h"
#include "app/util/sink.h"
#include "lwip/apps/mqtt.h"
#include "lwip/apps/mqtt_priv.h"
#include "lwip/ip_addr.h"
#include "lwip/timeouts.h"

#define DEVICE_NAME_MAX 32

static mqtt_client_t client; /* ~1.2 KB with a 1 KB output ring */
static struct mqtt_connect_client_info_t info;
static ip_addr_t broker;
static uint16_t broker_port;
static uint8_t fleet_index;
static uint8_t enabled, connecting;
static const char *device;
static char client_id[16 + DEVICE_NAME_MAX];
static char status_topic[TELEMETRY_TOPIC_MAX];
static char will_msg[96];
static char topic[TELEMETRY_TOPIC_MAX];
static char msg[TELEMETRY_MSG_MAX];
static telemetry_stats_t stats;

const telemetry_stats_t *telemetry_stats(void)
{
    return &stats;
}

int telemetry_enabled(void)
{
    return enabled;
}

/* MQTT topic levels must not hold '/', '+', '#' (and we keep names printable and short). */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > DEVICE_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* Topic "edgeartist/<device>/<leaf>[/<sub>]" into out. */
static void make_topic(char *out, const char *leaf, const char *sub)
{
    sink_t s;
    sink_init(&s, out, TELEMETRY_TOPIC_MAX - 1, 0);
    sink_str(&s, "edgeartist/");
    sink_str(&s, device);
    sink_str(&s, "/");
    sink_str(&s, leaf);
    if (sub) {
        sink_str(&s, "/");
        sink_str(&s, sub);
    }
    out[s.n] = 0;
}

/* Hand one message to the client; too large or no room now: dropped and counted. */
static void publish(const char *t, sink_t *s, uint8_t qos, uint8_t retain)
{
    if (!mqtt_client_is_connected(&client)) return;
    if (s->pos > s->n ||
        mqtt_publish(&client, t, s->out, (u16_t)s->n, qos, retain, NULL, NULL) != ERR_OK) {
        stats.dropped++;
        return;
    }
    stats.published++;
}

static void put_identity(sink_t *s)
{
    sink_str(s, "\"device\":");
    sink_json_str(s, device);
    sink_str(s, ",\"fleet_index\":");
    sink_u32(s, fleet_index);
}

static void publish_health(void)
{
    const jobs_stats_t *js = jobs_stats();
    const conn_stats_t *cs = conn_stats();
    sink_t s;
    sink_init(&s, msg, sizeof msg, 0);
    sink_str(&s, "{\"status\":\"ok\",");
    put_identity(&s);
    sink_str(&s, ",\"board\":");
    sink_json_str(&s, board_name());
    sink_str(&s, ",\"uptime_ms\":");
    sink_u32(&s, board_now_ms());
    sink_str(&s, ",\"jobs\":{\"queued\":");
    sink_u32(&s, (uint32_t)jobs_count(JOB_QUEUED));
    sink_str(&s, ",\"running\":");
    sink_u32(&s, (uint32_t)jobs_count(JOB_RUNNING));
    sink_str(&s, ",\"created\":");
    sink_u32(&s, js->created);
    sink_str(&s, ",\"completed\":");
    sink_u32(&s, js->completed);
    sink_str(&s, ",\"failed\":");
    sink_u32(&s, js->failed);
    sink_str(&s, ",\"cancelled\":");
    sink_u32(&s, js->cancelled);
    sink_str(&s, ",\"rejected_full\":");
    sink_u32(&s, js->rejected_full);
    sink_str(&s, "},\"connections\":");
    sink_u32(&s, cs->active);
    sink_str(&s, ",\"loop_max_pass_us\":");
    sink_u32(&s, app_loop_stats()->max_pass_us);
    sink_str(&s, ",\"telemetry\":{\"published\":");
    sink_u32(&s, stats.published);
    sink_str(&s, ",\"dropped\":");
    sink_u32(&s, stats.dropped);
    sink_str(&s, "}}");
    make_topic(topic, "health", NULL);
    publish(topic, &s, 0, 0);
}

/* The jobs observer: a compact record of each lifecycle event (the wire's complete event
 * carries the images, ~17 KB: operators want the fact, clients fetch the images). */
static void on_job_event(const job_t *j, const job_event_t *ev)
{
    if (!enabled || ev->type == EV_PROGRESS || j->warmup) return;
    sink_t s;
    sink_init(&s, msg, sizeof msg, 0);
    sink_str(&s, "{\"type\":\"");
    sink_str(&s, event_type_name(ev->type));
    sink_str(&s, "\",\"session_id\":\"");
    sink_str(&s, j->hex);
    sink_str(&s, "\",\"event_id\":");
    sink_u32(&s, ev->id);
    sink_str(&s, ",");
    put_identity(&s);
    switch (ev->type) {
    case EV_QUEUED:
        sink_str(&s, ",\"position\":");
        sink_u32(&s, ev->a);
        break;
    case EV_STARTED:
        sink_str(&s, ",\"total_steps\":");
        sink_u32(&s, ev->a);
        sink_str(&s, ",\"num_images\":");
        sink_u32(&s, j->num_images);
        sink_str(&s, ",\"wait_ms\":");
        sink_u32(&s, j->started_ms - j->created_ms);
        break;
    case EV_COMPLETE:
        sink_str(&s, ",\"num_images\":");
        sink_u32(&s, j->num_images);
        sink_str(&s, ",\"duration_ms\":");
        sink_u32(&s, j->finished_ms - j->created_ms);
        break;
    case EV_ERROR:
        sink_str(&s, ",\"code\":\"");
        sink_str(&s, jobs_error_name((job_error_t)ev->code));
        sink_str(&s, "\",\"step\":");
        sink_u32(&s, ev->a);
        break;
    default:
        break;
    }
    sink_str(&s, "}");
    make_topic(topic, "jobs", j->hex);
    publish(topic, &s, 0, 0);
}

static void try_connect(void);

static void on_connection(mqtt_client_t *cl, void *arg, mqtt_connection_status_t status)
{
    (void)cl;
    (void)arg;
    connecting = 0;
    if (status == MQTT_CONNECT_ACCEPTED) {
        stats.connects++;
        stats.connected = 1;
        LOGI("telemetry: connected to %s:%u as %s", ipaddr_ntoa(&broker), broker_port, client_id);
        sink_t s;
        sink_init(&s, msg, sizeof msg, 0);
        sink_str(&s, "{\"status\":\"online\",");
        put_identity(&s);
        sink_str(&s, "}");
        publish(status_topic, &s, 1, 1);
        publish_health();
        return;
    }
    if (stats.connected) stats.disconnects++;
    stats.connected = 0;
    LOGW("telemetry: broker %s:%u: %s (%d); retrying", ipaddr_ntoa(&broker), broker_port,
         status == MQTT_CONNECT_DISCONNECTED ? "disconnected" : "not connected", (int)status);
}

static void try_connect(void)
{
    if (connecting || mqtt_client_is_connected(&client)) return;
    err_t err = mqtt_client_connect(&client, &broker, broker_port, on_connection, NULL, &info);
    connecting = err == ERR_OK;
    if (err != ERR_OK) LOGW("telemetry: cannot start a connection (%d)", (int)err);
}

/* One timer: health while connected, a new attempt while not. */
static void on_timer(void *arg)
{
    (void)arg;
    if (mqtt_client_is_connected(&client))
        publish_health();
    else
        try_connect();
    sys_timeout(TELEMETRY_HEALTH_MS, on_timer, NULL);
}

int telemetry_start(uint32_t broker_ip, uint16_t port, const char *name, uint8_t index)
{
    if (!name_ok(name)) return -1;
    device = name;
    fleet_index = index;
    ip_addr_set_ip4_u32_val(broker, broker_ip);
    broker_port = port ? port : 1883;

    sink_t s;
    sink_init(&s, client_id, sizeof client_id - 1, 0);
    sink_str(&s, "edgeartist-");
    sink_str(&s, name);
    client_id[s.n] = 0;
    make_topic(status_topic, "status", NULL);
    sink_init(&s, will_msg, sizeof will_msg - 1, 0);
    sink_str(&s, "{\"status\":\"offline\",");
    put_identity(&s);
    sink_str(&s, "}");
    will_msg[s.n] = 0;

    memset(&info, 0, sizeof info);
    info.client_id = client_id;
    info.keep_alive = TELEMETRY_KEEPALIVE_S;
    info.will_topic = status_topic;
    info.will_msg = will_msg;
    info.will_qos = 1;
    info.will_retain = 1;

    enabled = 1;
    jobs_set_observer(on_job_event);
    try_connect();
    sys_timeout(TELEMETRY_HEALTH_MS, on_timer, NULL);
    return 0;
}
