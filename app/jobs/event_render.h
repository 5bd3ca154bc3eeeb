/* Events on the wire. The job log stores compact records; this turns one into its JSON
 * message (or a Server-Sent Events block) when a transport sends it, rendering only the
 * window of bytes the transport can take now. */
#ifndef EDGE_EVENT_RENDER_H
#define EDGE_EVENT_RENDER_H

#include "app/jobs/jobs.h"
#include "app/util/sink.h"

typedef enum {
    EVF_JSON = 0, /* the JSON message alone (WebSocket text message) */
    EVF_SSE,      /* "id: N\ndata: {json}\n\n" */
    /* Flag: add "t_us", the device's clock (us, 32 bits) when the event was produced, for
     * measuring delivery latency (bench/events_bench.sh); only for subscribers that ask. */
    EVF_TIMED = 0x80,
} event_format_t;

/* What to render: an event of the log, or an events_dropped notice. */
typedef struct {
    const job_t *job;
    job_event_t ev;         /* for EV_DROPPED: id = to, a/b unused */
    uint32_t dropped_from;  /* EV_DROPPED only */
    const uint8_t *preview; /* RGB to attach to a progress event, or NULL */
} event_ref_t;

void event_render(sink_t *s, const event_ref_t *r, event_format_t fmt);

/* The wire name of an event type ("generation_progress", ...). */
const char *event_type_name(uint8_t type);

/* Job metadata as a JSON object (also used by GET /api/jobs/<id>). */
void event_render_metadata(sink_t *s, const job_t *j);

/* ISO 8601 UTC time of a job's creation ("2026-11-22T03:40:00.123Z"). */
void event_render_time(sink_t *s, const job_t *j);

/* "/api/images/<id>/<n>.png" paths of a job as a JSON array. */
void event_render_paths(sink_t *s, const job_t *j);

#endif
