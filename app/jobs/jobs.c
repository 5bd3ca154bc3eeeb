/* Job table, queue order, event log, image store and the running job's previews. */
#include "app/jobs/jobs.h"

#include <string.h>

#include "app/board.h"
#include "app/log.h"
#include "app/util/rng.h"
#include "lwip/timeouts.h"

/* A job's step count (steps x images) is kept in the 16-bit fields of its events. */
_Static_assert(GEN_STEPS_MAX <= UINT16_MAX / JOB_IMAGES_MAX,
               "steps x images must fit job_event_t's uint16_t step and total");
/* Positions in the queue are reported in a uint16_t too. */
_Static_assert(JOB_SLOTS <= UINT16_MAX, "queue positions fit job_event_t.a");

static job_t jobs[JOB_SLOTS];
static jobs_stats_t stats;
static uint32_t next_seq = 1;
static job_t *running;
static uint64_t wall_base; /* Unix ms at board_now_ms() == 0, or 0 if unknown */
static uint8_t fleet_index;
static jobs_observer_fn observer;

/* Finished images: RGB, owned by the job whose index is in owner (-1 free). */
static uint8_t images[JOB_IMAGE_SLOTS][GEN_RGB_SIZE];
static int8_t image_owner[JOB_IMAGE_SLOTS];

/* The running job's latest preview, double-buffered: a subscriber halfway through sending
 * an event with the older preview pins its buffer, and the generator writes the other. */
static uint8_t preview[2][GEN_RGB_SIZE];
/* Bumped whenever a preview or image buffer is written: encoded copies of one are valid
 * while it stays the same (event_png). */
static uint32_t pixels_version = 1;
static uint8_t preview_pins[2];
static int preview_cur = -1;   /* buffer holding the latest preview, -1 none */
static uint32_t preview_event; /* event_id of the progress event it belongs to */
static const job_t *preview_job;

/* Pacing (jobs_set_pace_ms): the running job's next step may not start before
 * step_start_ms. Waiting costs the loop nothing: a one-shot lwIP timeout ends its sleep. */
static uint32_t pace_ms;
static uint32_t step_start_ms;

void jobs_init(void)
{
    memset(jobs, 0, sizeof jobs);
    memset(&stats, 0, sizeof stats);
    memset(image_owner, -1, sizeof image_owner);
    running = NULL;
    preview_cur = -1;
    preview_job = NULL;
}

void jobs_set_fleet_index(uint8_t index)
{
    fleet_index = index;
}

void jobs_set_observer(jobs_observer_fn fn)
{
    observer = fn;
}

void jobs_set_wall_clock(uint64_t unix_ms_now)
{
    wall_base = unix_ms_now - board_now_ms();
}

uint64_t jobs_wall_ms(uint32_t board_ms)
{
    return wall_base ? wall_base + board_ms : 0;
}

const char *jobs_state_name(const job_t *j)
{
    switch (j->state) {
    case JOB_QUEUED:
        return "queued";
    case JOB_RUNNING:
        return "running";
    case JOB_DONE:
        return "complete";
    default:
        return j->error == JERR_CANCELLED ? "cancelled" : "error";
    }
}

uint64_t jobs_event_ms(const job_t *j, const job_event_t *ev)
{
    uint64_t base = j->created_unix_ms ? j->created_unix_ms : j->created_ms;
    return base + (uint32_t)(ev->t_us - j->created_us) / 1000u;
}

int jobs_index(const job_t *j)
{
    return (int)(j - jobs);
}

job_t *jobs_at(int index)
{
    return index >= 0 && index < JOB_SLOTS ? &jobs[index] : NULL;
}

const jobs_stats_t *jobs_stats(void)
{
    return &stats;
}

const char *jobs_error_name(job_error_t e)
{
    switch (e) {
    case JERR_INVALID:
        return "invalid_argument";
    case JERR_QUEUE_FULL:
        return "queue_full";
    case JERR_CANCELLED:
        return "cancelled";
    case JERR_NOT_FOUND:
        return "not_found";
    default:
        return "internal";
    }
}

int jobs_count(job_state_t state)
{
    int n = 0;
    for (int i = 0; i < JOB_SLOTS; i++)
        n += jobs[i].state == state && !jobs[i].warmup;
    return n;
}

static int unfinished(void)
{
    int n = 0;
    for (int i = 0; i < JOB_SLOTS; i++)
        n += jobs[i].state == JOB_QUEUED || jobs[i].state == JOB_RUNNING;
    return n;
}

/* ---- events ------------------------------------------------------------------------- */

static void emit(job_t *j, uint8_t type, uint8_t code, uint16_t a, uint16_t b)
{
    job_event_t *ev = &j->log[j->events % EVENTS_PER_JOB];
    j->events++;
    ev->id = j->events;
    ev->t_us = (uint32_t)board_now_us();
    ev->type = type;
    ev->code = code;
    ev->a = a;
    ev->b = b;
    ev->pad = 0;
    stats.events++;
    if (observer) observer(j, ev);
}

uint32_t jobs_first_event(const job_t *j)
{
    return j->events > EVENTS_PER_JOB ? j->events - EVENTS_PER_JOB + 1 : 1;
}

const job_event_t *jobs_event(const job_t *j, uint32_t id)
{
    if (id == 0 || id > j->events || id < jobs_first_event(j)) return NULL;
    return &j->log[(id - 1) % EVENTS_PER_JOB];
}

int jobs_is_final(const job_t *j)
{
    return j->state == JOB_DONE || j->state == JOB_FAILED;
}

/* ---- images ------------------------------------------------------------------------- */

const uint8_t *jobs_image(const job_t *j, int n)
{
    if (n < 0 || n >= j->images_done) return NULL;
    int s = j->image_slot[n];
    if (s < 0 || image_owner[s] != jobs_index(j)) return NULL;
    return images[s];
}

/* Free the job's image slots from its image `from` on. */
static void images_release(job_t *j, int from)
{
    for (int n = from; n < JOB_IMAGES_MAX; n++) {
        int s = j->image_slot[n];
        if (s >= 0 && image_owner[s] == jobs_index(j)) image_owner[s] = -1;
        j->image_slot[n] = -1;
    }
}

static int images_free_count(void)
{
    int n = 0;
    for (int s = 0; s < JOB_IMAGE_SLOTS; s++)
        n += image_owner[s] < 0;
    return n;
}

/* The finished job created longest ago, or NULL. */
static job_t *oldest_finished(int with_images)
{
    job_t *best = NULL;
    for (int i = 0; i < JOB_SLOTS; i++) {
        job_t *j = &jobs[i];
        if (!jobs_is_final(j)) continue;
        if (with_images && jobs_image(j, 0) == NULL) continue;
        if (!best || j->seq < best->seq) best = j;
    }
    return best;
}

/* Give the job num_images image slots, taking them from the oldest finished jobs. */
static int images_reserve(job_t *j)
{
    while (images_free_count() < j->num_images) {
        job_t *old = oldest_finished(1);
        if (!old) return -1;
        LOGI("jobs: images of %s dropped to make room", old->hex);
        images_release(old, 0);
    }
    int n = 0;
    for (int s = 0; s < JOB_IMAGE_SLOTS && n < j->num_images; s++) {
        if (image_owner[s] < 0) {
            image_owner[s] = (int8_t)jobs_index(j);
            j->image_slot[n++] = (int8_t)s;
        }
    }
    return 0;
}

uint32_t jobs_pixels_version(void)
{
    return pixels_version;
}

/* ---- previews ----------------------------------------------------------------------- */

const uint8_t *jobs_preview(const job_t *j, uint32_t *event_id, int *buf)
{
    if (j != preview_job || preview_cur < 0) {
        *event_id = 0;
        return NULL;
    }
    *event_id = preview_event;
    *buf = preview_cur;
    return preview[preview_cur];
}

const uint8_t *jobs_preview_buffer(int buf)
{
    return buf >= 0 && buf < 2 ? preview[buf] : NULL;
}

void jobs_preview_pin(int buf)
{
    if (buf >= 0 && buf < 2) preview_pins[buf]++;
}

void jobs_preview_unpin(int buf)
{
    if (buf >= 0 && buf < 2 && preview_pins[buf] > 0) preview_pins[buf]--;
}

/* Publish the generator's current preview for the progress event about to be emitted.
 * If a slow subscriber still pins the spare buffer, this step goes without a preview. */
static void preview_publish(job_t *j, uint32_t event_id, const uint8_t *rgb)
{
    int next = preview_cur < 0 ? 0 : 1 - preview_cur;
    if (!rgb || preview_pins[next]) return;
    memcpy(preview[next], rgb, GEN_RGB_SIZE);
    pixels_version++;
    preview_cur = next;
    preview_event = event_id;
    preview_job = j;
}

/* ---- life of a job ------------------------------------------------------------------- */

static void hex_id(job_t *j)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < JOB_ID_BYTES; i++) {
        j->hex[2 * i] = digits[j->id[i] >> 4];
        j->hex[2 * i + 1] = digits[j->id[i] & 15];
    }
    j->hex[2 * JOB_ID_BYTES] = 0;
}

job_t *jobs_submit(const gen_request_t *req, uint8_t num_images, int warmup)
{
    if (unfinished() >= MAX_JOBS_QUEUED) {
        stats.rejected_full++;
        return NULL;
    }
    job_t *j = NULL;
    for (int i = 0; i < JOB_SLOTS && !j; i++)
        if (jobs[i].state == JOB_FREE) j = &jobs[i];
    if (!j) j = oldest_finished(0); /* forget the oldest finished job */
    if (!j) return NULL;
    if (j->state != JOB_FREE) images_release(j, 0);
    if (preview_job == j) preview_job = NULL; /* the slot's old preview is not this job's */
    uint16_t gen = (uint16_t)(j->gen + 1);
    memset(j, 0, sizeof *j);
    j->gen = gen;
    memset(j->image_slot, -1, sizeof j->image_slot);
    if (rng_bytes(j->id, sizeof j->id) != 0) return NULL;
    j->id[0] = fleet_index; /* where the job lives, for a proxy in front of a fleet */
    hex_id(j);
    j->req = *req;
    j->num_images = num_images ? num_images : 1;
    j->warmup = (uint8_t)warmup;
    j->seq = next_seq++;
    j->created_ms = board_now_ms();
    j->created_us = (uint32_t)board_now_us();
    j->created_unix_ms = jobs_wall_ms(j->created_ms);
    j->state = JOB_QUEUED;
    stats.created++;
    emit(j, EV_QUEUED, 0, (uint16_t)jobs_position(j), 0);
    LOGI("jobs: %s queued at %d: \"%s\", %u steps, guidance %u.%u, seed %lu, %u image(s)", j->hex,
         jobs_position(j), req->prompt, req->steps, req->guidance10 / 10, req->guidance10 % 10,
         (unsigned long)req->seed, j->num_images);
    return j;
}

job_t *jobs_find(const char *hex)
{
    if (strlen(hex) != JOB_ID_HEX - 1) return NULL;
    for (int i = 0; i < JOB_SLOTS; i++) {
        job_t *j = &jobs[i];
        if (j->state == JOB_FREE) continue;
        int same = 1;
        for (int k = 0; k < JOB_ID_HEX - 1 && same; k++) {
            char c = hex[k];
            if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
            same = c == j->hex[k];
        }
        if (same) return j;
    }
    return NULL;
}

int jobs_position(const job_t *j)
{
    if (j->state == JOB_RUNNING) return 0;
    if (j->state != JOB_QUEUED) return -1;
    int ahead = 0;
    for (int i = 0; i < JOB_SLOTS; i++) {
        const job_t *o = &jobs[i];
        if ((o->state == JOB_QUEUED && o->seq < j->seq) || o->state == JOB_RUNNING) ahead++;
    }
    return ahead;
}

static void finish(job_t *j, job_state_t state, job_error_t err)
{
    j->state = (uint8_t)state;
    j->error = (uint8_t)err;
    j->finished_ms = board_now_ms();
    if (j == running) {
        running = NULL;
        gen_abort();
    }
    /* Slots of images that will never be made go back at once: a cancelled or failed job
     * keeps only the images it finished (it may hold none, and then no eviction finds it). */
    images_release(j, j->images_done);
    /* The job's last preview stays until the next job publishes one: the final progress
     * event is emitted in the same slice as this, and goes out after it. */
    if (state == JOB_DONE) {
        stats.completed++;
        emit(j, EV_COMPLETE, 0, 0, 0);
    } else {
        if (err == JERR_CANCELLED)
            stats.cancelled++;
        else
            stats.failed++;
        /* The error carries how far the job got (its last progress event's step). */
        const job_event_t *last = jobs_event(j, j->events);
        int prog = last && last->type == EV_PROGRESS;
        emit(j, EV_ERROR, (uint8_t)err, prog ? last->a : 0, prog ? last->b : 0);
    }
    LOGI("jobs: %s %s after %lu ms", j->hex, state == JOB_DONE ? "complete" : jobs_error_name(err),
         (unsigned long)(j->finished_ms - j->created_ms));
}

int jobs_cancel(job_t *j)
{
    if (j->state != JOB_QUEUED && j->state != JOB_RUNNING) return -1;
    finish(j, JOB_FAILED, JERR_CANCELLED);
    return 0;
}

static gen_request_t image_request(const job_t *j)
{
    gen_request_t r = j->req;
    r.seed = j->req.seed + j->images_done; /* image n of a job uses seed + n */
    return r;
}

static void start_next(void)
{
    job_t *next = NULL;
    for (int i = 0; i < JOB_SLOTS; i++) {
        job_t *j = &jobs[i];
        if (j->state == JOB_QUEUED && (!next || j->seq < next->seq)) next = j;
    }
    if (!next) return;
    if (images_reserve(next) != 0) {
        finish(next, JOB_FAILED, JERR_INTERNAL);
        return;
    }
    gen_request_t r = image_request(next);
    if (gen_begin(&r) != 0) {
        finish(next, JOB_FAILED, JERR_INVALID);
        return;
    }
    running = next;
    next->state = JOB_RUNNING;
    next->started_ms = board_now_ms();
    emit(next, EV_STARTED, 0, (uint16_t)(next->req.steps * next->num_images), 0);
}

void jobs_set_pace_ms(uint32_t ms)
{
    pace_ms = ms;
}

static void pace_wake(void *arg)
{
    (void)arg; /* nothing to do: firing ends board_idle() in time for the next step */
}

/* A step ended: the next one starts a pace from now, so that a client sees each step's
 * event at least pace_ms after the one before (a step lasts pace_ms + its compute). */
static void pace_step_done(void)
{
    step_start_ms = board_now_ms() + pace_ms;
    sys_untimeout(pace_wake, NULL);
    sys_timeout(pace_ms, pace_wake, NULL);
}

int jobs_run_slice(void)
{
    if (!running) {
        start_next();
        step_start_ms = board_now_ms();
    }
    if (!running) return 0;
    /* Paced and early: idle (return 0) until the timeout set at the step's end. */
    if (pace_ms && (int32_t)(step_start_ms - board_now_ms()) > 0) return 0;
    job_t *j = running;
    gen_status_t st = gen_slice();
    if (st == GEN_STEP_DONE || st == GEN_IMAGE_DONE) {
        if (pace_ms) pace_step_done();
        uint16_t total = (uint16_t)(j->req.steps * j->num_images);
        uint16_t step = (uint16_t)(j->images_done * j->req.steps + gen_step());
        /* An image's last step has no estimate any more: its preview is the image itself, so
         * that every progress event of a previewed job carries one. */
        if (j->req.preview)
            preview_publish(j, j->events + 1,
                            st == GEN_STEP_DONE ? gen_preview_rgb() : gen_image_rgb());
        emit(j, EV_PROGRESS, 0, step, total);
    }
    if (st == GEN_IMAGE_DONE) {
        memcpy(images[j->image_slot[j->images_done]], gen_image_rgb(), GEN_RGB_SIZE);
        pixels_version++;
        j->images_done++;
        if (j->images_done < j->num_images) {
            gen_request_t r = image_request(j);
            gen_begin(&r);
        } else {
            finish(j, JOB_DONE, JERR_NONE);
        }
    } else if (st == GEN_IDLE) {
        finish(j, JOB_FAILED, JERR_INTERNAL); /* the generator lost its job */
    }
    return 1;
}
