/* Fan-out latency measured at the device: for every live progress event, the time from the
 * step boundary (the event's t_us) to the moment each subscriber's last byte of it was
 * handed to lwIP (tcp_write: "handed") and output (tcp_output returned: "deliver"), and per
 * event the time to the last subscriber ("last_handed", "last") and the output skew (last
 * minus first). Kept per transport in static log-linear histograms (FANOUT_* in
 * app/config.h), read at GET /api/debug/fanout and reset by DELETE on the same path. */
#ifndef EDGE_FANOUT_H
#define EDGE_FANOUT_H

#include <stdint.h>

#include "app/util/sink.h"

void fanout_reset(void);

/* A subscriber's copy of event `id` of job slot `job` (produced at t_event_us, the device's
 * clock) was handed to lwIP at handed_us and output at now_us, through transport `name`
 * (NULL: "other"). `expected`: how many
 * subscribers of that transport follow the event live; the event's last/skew sample is
 * taken when that many have it. */
void fanout_record(const char *name, unsigned job, uint32_t id, uint32_t t_event_us,
                   uint32_t handed_us, uint32_t now_us, unsigned expected);

/* {"<transport>":{"handed":{n,p50_us,p99_us,max_us},"deliver":{...},"last_handed":{...},
 * "last":{...},"skew":{...},"incomplete":k},...} */
void fanout_render(sink_t *s);

/* For tests: the p-th percentile (0-100; 100: the maximum) of a transport's metric, and its
 * sample count. Returns -1 if there is no such transport. */
enum { FANOUT_HANDED, FANOUT_DELIVER, FANOUT_LAST_HANDED, FANOUT_LAST, FANOUT_SKEW };
int fanout_percentile(const char *name, int metric, unsigned p, uint32_t *value, uint32_t *n);

#endif
