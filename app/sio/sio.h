/* Socket.IO v5 over Engine.IO v4: the session table, the main namespace "/", the device's
 * events (DESIGN.md "Socket.IO") and connection-state recovery.
 *
 * A session is one slot of a static table: its Engine.IO state (eio_session.h), its socket
 * id, pid and user_id, and the jobs it follows. Job events are never queued here: a
 * followed job is a subscription (app/jobs/subs.h) whose cursor is a position in the job's
 * log, rendered by sio_render_event() when the transport has room, so a polling client
 * with no GET parked, or a dropped client waiting to be recovered, costs no buffer.
 *
 * Recovery, as socket.io-client 4.6+ performs it: the CONNECT reply carries a pid; every
 * job event is preceded by an offset packet 42["sio:offset","<offset>"] whose only
 * argument is the session's position in every job it follows once that event is in
 * (socket.io-client keeps the last string argument of any event as its offset, and
 * reconnects with {pid, offset}). The offset goes in a packet of its own rather than as a
 * trailing argument of the event, as the reference server does, so that clients that never
 * recover (python-socketio) get every event with exactly its documented argument and
 * simply have no handler for "sio:offset". A session whose transport dropped keeps its
 * slot and its subscriptions for SIO_RECOVERY_MS; a CONNECT with its pid takes it over and
 * is replayed from the offset, or from where each subscription started when no offset came
 * (the client dropped before any event).
 *
 * The glue (sio_http.c) owns connections and calls in through eio_sess_* on s->eio, and is
 * called back through sio_glue_t. */
#ifndef EDGE_SIO_H
#define EDGE_SIO_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/jobs/event_render.h"
#include "app/jobs/jobs.h"
#include "app/sio/eio_session.h"
#include "app/util/sink.h"

#define SIO_USER_ID_LEN 36 /* a UUID */

typedef enum {
    SIO_FOLLOW_DEVICE = 0, /* generate_image: generation_started, _progress, image_ready... */
    SIO_FOLLOW_JOBEVENT,   /* job:subscribe: job:event with the /ws JSON message */
} sio_follow_mode_t;

typedef struct {
    int8_t job;     /* jobs_index(), -1: entry free */
    uint8_t mode;   /* sio_follow_mode_t */
    uint8_t flags;  /* subscription flags (SUB_TIMED for latency measurement) */
    uint16_t gen;   /* the job slot's generation when followed */
    uint32_t start; /* followed from the event after this one */
    uint32_t sent;  /* last event id handed to the transport whole */
} sio_follow_t;

typedef enum { SIO_FREE = 0, SIO_OPEN, SIO_DROPPED } sio_slot_t;

typedef struct sio_session {
    eio_sess_t eio;
    uint8_t slot;      /* sio_slot_t */
    uint8_t connected; /* the socket has joined "/" */
    uint8_t recovered; /* this connection took over a dropped session */
    uint32_t skip_bin; /* binary attachments of a refused packet still to swallow */
    uint32_t dropped_ms;
    char id[EIO_SID_LEN + 1];  /* the Socket.IO socket id */
    char pid[EIO_SID_LEN + 1]; /* private id for recovery */
    char user_id[SIO_USER_ID_LEN + 1];
    sio_follow_t follow[SIO_SUBS_PER_SESSION];
    uint32_t glue[4]; /* the glue's own fields (connection references) */
} sio_session_t;

typedef struct {
    void (*output)(sio_session_t *s);       /* Engine.IO packets wait: deliver if possible */
    void (*probe_failed)(sio_session_t *s); /* close the upgrade probe */
    /* The transport is over: answer a parked GET with the close packet, close WebSockets.
     * The session may stay (SIO_DROPPED) waiting for recovery. */
    void (*closed)(sio_session_t *s, eio_reason_t why);
    int (*follow)(sio_session_t *s, job_t *j, uint32_t after, unsigned flags); /* 0, -1 */
    void (*unfollow)(sio_session_t *s, const job_t *j);
} sio_glue_t;

typedef struct {
    uint32_t opened, refused, recovered, recover_failed, dropped, expired, malformed;
    uint32_t events, acks;
} sio_stats_t;

void sio_init(const sio_glue_t *glue);

/* A new Engine.IO session (a handshake) on this transport; NULL when the table is full
 * (counted as refused). The open packet is queued. */
sio_session_t *sio_open(eio_transport_t transport, uint32_t now_ms);

/* The live session with this Engine.IO sid, or NULL. */
sio_session_t *sio_find(const char *sid);

/* Every pass: pings, timeouts, the recovery window. */
void sio_tick(uint32_t now_ms);

/* The session a subscription context belongs to (subscriptions use the session as ctx). */
static inline sio_session_t *sio_of(void *ctx)
{
    return (sio_session_t *)ctx;
}

/* The Engine.IO packet carrying one job event to this session (42["name",{...}]), and the
 * offset packet that precedes it (42["sio:offset","..."]). */
void sio_render_event(sink_t *k, const sio_session_t *s, const event_ref_t *r);
void sio_render_offset(sink_t *k, const sio_session_t *s, const job_t *j, uint32_t id);

/* The glue handed event id of job j to the transport whole. */
void sio_event_sent(sio_session_t *s, const job_t *j, uint32_t id);

/* Counts for /api/health. */
const sio_stats_t *sio_stats(void);
void sio_counts(int *polling, int *websocket, int *dropped);

/* The table, for the glue's own iteration. */
sio_session_t *sio_at(int i);

#endif
