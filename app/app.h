/* The firmware's entry points, called by each board's main(). */
#ifndef EDGE_APP_H
#define EDGE_APP_H

#include <stdint.h>

typedef struct {
    uint16_t http_port; /* 80 by default */
    /* The device's place in a fleet behind a proxy, 0-255 (0: alone). It is the first byte
     * of every job session_id (and of every Engine.IO sid), so that the proxy routes a
     * request for a job or a session by its id alone; see app_fleet_index(). */
    uint8_t fleet_index;
    /* Fleet telemetry: the MQTT broker's IPv4 address in network byte order (0: none, the
     * default; nothing is published) and port (1883 by default). device_name names the
     * device in topics (edgeartist/<device_name>/...); NULL: "edge<fleet_index>". */
    uint32_t mqtt_ip;
    uint16_t mqtt_port;
    const char *device_name;
} app_config_t;

/* The fleet index given in app_config_t (0 by default). Ids that must be routable to this
 * device (job session_ids, Engine.IO sids) start with it as their first byte, i.e. their
 * first two hex digits: sid[0] = app_fleet_index() before the id is hex-encoded. */
uint8_t app_fleet_index(void);

/* The device's name in fleet telemetry. */
const char *app_device_name(void);

/* Initialise lwIP and every service. The board adds its netif after this. */
void app_init(const app_config_t *cfg);

/* Start listening; call after the netif is up. Returns 0 on success. */
int app_start(void);

/* The wall-clock time, for boards that know it (job timestamps); Unix milliseconds. */
void app_set_wall_clock(uint64_t unix_ms);

typedef struct {
    uint32_t passes;      /* superloop passes since boot */
    uint32_t max_pass_us; /* the longest one (work only, not the idle sleep) */
} app_loop_stats_t;

const app_loop_stats_t *app_loop_stats(void);

/* Run the superloop until board_should_stop(). */
void app_run(void);

/* One pass of the superloop; returns the longest time the board may sleep, in ms. */
uint32_t app_poll_once(void);

#endif
