/* Subscriptions: a client following a job's events. Each is a cursor into the job's
 * log (the next event id and how many bytes of the current event are out); the fan-out in
 * the superloop writes to every subscriber as far as its TCP window allows and continues
 * when the window opens, so a slow reader loses nothing while the log still holds its
 * next event. Nothing is copied per subscriber: events are rendered as they are sent. */
#ifndef EDGE_SUBS_H
#define EDGE_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "app/jobs/event_render.h"
#include "app/jobs/jobs.h"

/* How a subscription reaches its client. ctx is the subscription's owner: a connection for
 * /ws and SSE, a session for a transport whose sessions outlive connections. */
typedef struct sub_transport {
    /* The event as this transport puts it on the wire (its envelope around
     * event_render_json(), or a dialect of its own), into a windowed sink. It is called
     * again for every window of the same event and must give the same bytes each time. */
    void (*render)(void *ctx, sink_t *s, const event_ref_t *r);
    /* Framing bytes the transport adds outside render (a WebSocket frame header). */
    size_t overhead;
    size_t (*space)(void *ctx);                          /* bytes writable now */
    int (*begin)(void *ctx, size_t len);                 /* a message of len bytes starts */
    size_t (*write)(void *ctx, const void *p, size_t n); /* returns bytes taken */
    void (*flush)(void *ctx);
    /* The job's last event is out, or the job is gone: the transport removes the
     * subscription (subs_remove) or closes its connection. */
    void (*final_sent)(void *ctx, int sub);
    /* "ws", "sse", ...: the fan-out latency figures are kept per name (NULL: "other"). */
    const char *name;
} sub_transport_t;

/* Subscription flags, handed to render in event_ref_t.flags. */
enum {
    SUB_TIMED = EVENT_TIMED,    /* add the device's clock ("t_us") for latency measurement */
    SUB_TRANSPORT_FLAGS = 0xf0, /* free for a transport's own use (its dialects) */
};

typedef struct {
    uint32_t active, peak, refused, events_sent, dropped_notices;
    uint32_t window_waits; /* events that had to wait for TCP room (send buffer or heap) */
} subs_stats_t;

void subs_init(void);

/* Follow job j from event after+1 (after = 0: from the start). Returns the subscription
 * index, or -1 when the table is full. */
int subs_add(job_t *j, uint32_t after, unsigned flags, const sub_transport_t *tr, void *ctx);

/* Every subscription of `from` now belongs to `to`, through tr, each keeping its cursor
 * (an event half sent on the old connection starts over, whole, on the new one). For a
 * client that moves to another connection (a reconnect, a transport upgrade). */
void subs_move_ctx(void *from, const sub_transport_t *tr, void *to);

/* The next event id a subscription will send (its cursor), or 0 if there is none. */
uint32_t subs_next_event(int sub);

/* Is there room for one more subscription? */
int subs_available(void);

/* Stop a subscription; subs_remove_ctx() stops every one of a connection. */
void subs_remove(int sub);
void subs_remove_ctx(void *ctx);

/* The subscription of ctx to job j, or -1. */
int subs_find(void *ctx, const job_t *j);

/* Write pending events to every subscriber (or only those of ctx), as far as their windows
 * allow. Returns non-zero if some subscriber still has events waiting. */
int subs_fanout(void);
void subs_fanout_ctx(void *ctx);

/* Connections with a subscription (for /api/health). */
const subs_stats_t *subs_stats(void);

/* Is a subscription in the middle of an event (a transport must not interleave)? */
int subs_busy_ctx(void *ctx);

#endif
