/* Fleet telemetry over MQTT (lwIP's client, one static instance): the device's health every
 * TELEMETRY_HEALTH_MS and each job's lifecycle (queued, started, complete, error; no steps),
 * under edgeartist/<device>/...:
 *   edgeartist/<device>/status        retained: {"status":"online",...}; the last will,
 *                                     {"status":"offline"}, replaces it when the broker
 *                                     loses the device (1.5 x the keep-alive of silence)
 *   edgeartist/<device>/health        {"uptime_ms", "fleet_index", "jobs": {...}, ...}
 *   edgeartist/<device>/jobs/<id>     {"type":"generation_queued", "session_id", ...}
 * Without a broker nothing here runs: the device works as before. Publishing is best effort:
 * a message the client cannot queue now is dropped and counted, never waited for. */
#ifndef EDGE_TELEMETRY_H
#define EDGE_TELEMETRY_H

#include <stdint.h>

typedef struct {
    uint32_t connects, disconnects, published, dropped;
    uint8_t connected;
} telemetry_stats_t;

/* Start publishing to the broker at broker_ip (IPv4, network byte order) and port, under
 * edgeartist/<device>/. device must stay valid (a board setting). Returns 0, or -1 when
 * the name is unusable in a topic. Reconnects by itself every TELEMETRY_HEALTH_MS. */
int telemetry_start(uint32_t broker_ip, uint16_t port, const char *device, uint8_t fleet_index);

/* Is telemetry configured at all? */
int telemetry_enabled(void);

const telemetry_stats_t *telemetry_stats(void);

#endif
