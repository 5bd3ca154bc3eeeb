/* The job queue: jobs wait in order, one runs at a time in slices of the generator, and
 * every job keeps a log of its events (a fixed ring of compact records, never JSON) so that
 * any subscriber can replay it from any point. Finished jobs keep their final state and
 * images for late readers until newer jobs need the room. */
#ifndef EDGE_JOBS_H
#define EDGE_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/gen/gen.h"

#define JOB_SLOTS    (MAX_JOBS_QUEUED + JOBS_KEPT)
#define JOB_ID_BYTES 16
#define JOB_ID_HEX   (2 * JOB_ID_BYTES + 1)

typedef enum {
    EV_QUEUED = 1,
    EV_STARTED,
    EV_PROGRESS,
    EV_COMPLETE,
    EV_ERROR,
    EV_DROPPED, /* never stored: made for a subscriber that asked too late */
} job_event_type_t;

typedef enum {
    JERR_NONE = 0,
    JERR_INVALID,    /* invalid_argument */
    JERR_QUEUE_FULL, /* queue_full */
    JERR_CANCELLED,  /* cancelled */
    JERR_NOT_FOUND,  /* not_found */
    JERR_INTERNAL,   /* internal */
} job_error_t;

typedef struct {
    uint32_t id;   /* event_id: 1, 2, 3 ... within the job */
    uint32_t t_us; /* when it was produced (board_now_us, low 32 bits: differences only) */
    uint8_t type;  /* job_event_type_t */
    uint8_t code;  /* EV_ERROR: job_error_t */
    uint16_t a;    /* EV_QUEUED: position; EV_PROGRESS, EV_ERROR: step (reached) */
    uint16_t b;    /* EV_PROGRESS, EV_ERROR: total steps */
    uint16_t pad;
} job_event_t;

typedef enum {
    JOB_FREE = 0,
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_DONE,
    JOB_FAILED, /* error or cancelled: see error */
} job_state_t;

typedef struct {
    uint8_t state; /* job_state_t */
    uint8_t num_images;
    uint8_t images_done;
    uint8_t error;  /* job_error_t when JOB_FAILED */
    uint8_t warmup; /* a /api/warmup job: not listed, answered to its requester */
    uint16_t gen;   /* bumped each time the slot is reused: stale references notice */
    uint8_t id[JOB_ID_BYTES];
    char hex[JOB_ID_HEX];
    gen_request_t req;
    uint32_t seq;             /* order of creation, for the queue and for eviction */
    uint32_t created_ms;      /* board_now_ms at creation */
    uint32_t created_us;      /* board_now_us at creation, low 32 bits: events' time base */
    uint64_t created_unix_ms; /* wall clock at creation, 0 if the board has none */
    uint32_t started_ms, finished_ms;
    int8_t image_slot[JOB_IMAGES_MAX];
    uint32_t events;                 /* event_ids issued so far (the last one is this number) */
    job_event_t log[EVENTS_PER_JOB]; /* event id k lives at log[(k - 1) % EVENTS_PER_JOB] */
} job_t;

typedef struct {
    uint32_t created, completed, failed, cancelled, rejected_full;
    uint32_t events;
} jobs_stats_t;

void jobs_init(void);

/* Create and queue a job for a validated request. Returns the job, or NULL when the queue
 * is full (MAX_JOBS_QUEUED jobs not finished). */
job_t *jobs_submit(const gen_request_t *req, uint8_t num_images, int warmup);

/* Find a job by its hex id (case-insensitive); NULL if unknown or forgotten. */
job_t *jobs_find(const char *hex);

/* Cancel a queued or running job. Returns 0, or -1 if it has already finished. */
int jobs_cancel(job_t *j);

/* Jobs ahead of this one (0 = running or next to run). */
int jobs_position(const job_t *j);

/* The event with this id, if the ring still holds it; NULL otherwise. */
const job_event_t *jobs_event(const job_t *j, uint32_t id);

/* Oldest event id the ring still holds (1 when nothing was overwritten). */
uint32_t jobs_first_event(const job_t *j);

/* Is this event the job's last (complete or error)? */
int jobs_is_final(const job_t *j);

/* RGB of a finished image of a job, NULL if not (or no longer) available. */
const uint8_t *jobs_image(const job_t *j, int n);
/* Changes whenever any preview or image buffer is rewritten. */
uint32_t jobs_pixels_version(void);

/* The latest preview of the running job (for the event that carries it): valid when
 * *event_id != 0. The buffer stays valid while pinned. */
const uint8_t *jobs_preview(const job_t *j, uint32_t *event_id, int *buf);
const uint8_t *jobs_preview_buffer(int buf);
void jobs_preview_pin(int buf);
void jobs_preview_unpin(int buf);

/* Run a slice of the current job (starting the next queued one when idle). Returns
 * non-zero while a job is running or waiting. */
int jobs_run_slice(void);

/* A minimum time per generation step, in ms (0, the default: as fast as the board goes).
 * For demos and tests on fast hosts: after a step the running job starts its next one only
 * ms later, so progress events come at least ms apart; the superloop stays free meanwhile. */
void jobs_set_pace_ms(uint32_t ms);

/* Queue counts for /api/health. */
int jobs_count(job_state_t state);
const jobs_stats_t *jobs_stats(void);

/* Index of a job in the table (for compact references), and back. */
int jobs_index(const job_t *j);
job_t *jobs_at(int index);

/* The job's state on the wire: "queued", "running", "complete", "error" or "cancelled". */
const char *jobs_state_name(const job_t *j);

/* Name of an error code on the wire ("cancelled", ...). */
const char *jobs_error_name(job_error_t e);

/* The device's place in a fleet (0-255, 0 alone): the first byte of every session id, so
 * that a proxy in front of several devices can route a request for a job by its id alone
 * (nginx reads the first two hex digits; see sim/fleet.sh). Set once at start. */
void jobs_set_fleet_index(uint8_t index);

/* One observer of the jobs' lifecycle (telemetry): called for every event a job emits, right
 * after it is logged. The jobs module knows nothing of what it does; NULL removes it. */
typedef void (*jobs_observer_fn)(const job_t *j, const job_event_t *ev);
void jobs_set_observer(jobs_observer_fn fn);

/* Set by the board at start when it knows the wall-clock time (Unix ms). */
void jobs_set_wall_clock(uint64_t unix_ms_now);
uint64_t jobs_wall_ms(uint32_t board_ms);

/* When an event of j was produced, in ms: Unix time when the board knows the wall clock,
 * else since boot. (Events of one job are at most 71 minutes apart: the log's 32-bit us.) */
uint64_t jobs_event_ms(const job_t *j, const job_event_t *ev);

#endif
