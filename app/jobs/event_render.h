/* Events on the wire. The job log stores compact records; this turns one into its JSON
 * object when a transport sends it, rendering only the window of bytes the transport can
 * take now. Transports own their envelopes (app/stream/). */
#ifndef EDGE_EVENT_RENDER_H
#define EDGE_EVENT_RENDER_H

#include "app/jobs/jobs.h"
#include "app/util/sink.h"

/* Render flag: add "t_us", the device's clock (us, 32 bits) when the event was produced,
 * for measuring delivery latency (bench/events_bench.sh); only for subscribers that ask. */
enum { EVENT_TIMED = 0x01 };

/* What to render: an event of the log, or an events_dropped notice. */
typedef struct {
    const job_t *job;
    job_event_t ev;         /* for EV_DROPPED: id = to, a/b unused */
    uint32_t dropped_from;  /* EV_DROPPED only */
    const uint8_t *preview; /* RGB to attach to a progress event, or NULL */
    unsigned flags;         /* the subscription's: EVENT_TIMED, a transport's own */
} event_ref_t;

/* The event's canonical JSON object: {"type","session_id","event_id","status","stage",
 * "progress","timestamp", ...the type's own fields}. Transports put their envelope around
 * it (SSE "id:/data:", a Socket.IO packet). */
void event_render_json(sink_t *s, const event_ref_t *r);

/* The job's status when this event was produced: "queued", "running", "complete",
 * "error" or "cancelled". */
const char *event_status(const event_ref_t *r);

/* The wire name of an event type ("generation_progress", ...). */
const char *event_type_name(uint8_t type);

/* Job metadata as a JSON object (also used by GET /api/jobs/<id>). */
void event_render_metadata(sink_t *s, const job_t *j);

/* A PNG data URL of a 32x32 RGB image as a JSON string (quotes included), encoded only
 * where the sink's window needs its bytes. */
void event_render_data_url(sink_t *s, const uint8_t *rgb);

/* The PNG of a 32x32 RGB preview or image buffer of the job store, encoded once and kept
 * until another is asked for or the pixels change; valid until the next call. */
const uint8_t *event_png(const uint8_t *rgb, size_t *len);

/* ISO 8601 UTC time of a job's creation ("2026-11-22T03:40:00.123Z"). */
void event_render_time(sink_t *s, const job_t *j);

/* "/api/images/<id>/<n>.png" paths of a job as a JSON array. */
void event_render_paths(sink_t *s, const job_t *j);

#endif
