#include "app/jobs/subs.h"

#include <string.h>

#include "app/board.h"
#include "app/jobs/fanout.h"
#include "app/log.h"

typedef struct {
    uint8_t used;
    uint8_t flags; /* SUB_* and the transport's own */
    int8_t job;
    int8_t pin;           /* preview buffer pinned by the event in progress, or -1 */
    uint8_t want_preview; /* a replay: the first progress event carries the latest preview */
    uint8_t final;        /* the last event was sent */
    uint16_t job_gen;
    uint32_t next;     /* next event id to send */
    uint32_t cur;      /* id of the event in progress (len > 0) */
    uint32_t cur_from; /* events_dropped in progress: its first id; 0 otherwise */
    uint32_t off, len; /* bytes of the event in progress already written, and its size */
    uint8_t cur_preview;
    /* The event in progress, kept: a reader stopped mid-event may resume after the job's
     * ring has overwritten it, and the rest of its bytes must still be the same (16 B). */
    job_event_t cur_ev;
    uint32_t t_add;    /* device clock (us) when it was added: later events are live */
    uint8_t unflushed; /* written in this fan-out pass, output at its end */
    uint8_t measured;  /* a live event went out in this pass: done_* below */
    uint8_t waited;    /* the event in progress had to wait for TCP room (counted once) */
    uint32_t done_id, done_t, done_handed; /* its id, t_us, when handed to lwIP */
    const sub_transport_t *tr;
    void *ctx;
} sub_t;

static sub_t subs[MAX_SUBS];
static subs_stats_t stats;
/* One rendering window, shared: events are rendered straight into it and handed on. */
static char window[SUBS_WINDOW];

void subs_init(void)
{
    memset(subs, 0, sizeof subs);
    memset(&stats, 0, sizeof stats);
    fanout_reset();
}

const subs_stats_t *subs_stats(void)
{
    return &stats;
}

int subs_add(job_t *j, uint32_t after, unsigned flags, const sub_transport_t *tr, void *ctx)
{
    for (int i = 0; i < MAX_SUBS; i++) {
        sub_t *s = &subs[i];
        if (s->used) continue;
        memset(s, 0, sizeof *s);
        s->used = 1;
        s->flags = (uint8_t)flags;
        s->job = (int8_t)jobs_index(j);
        s->job_gen = j->gen;
        s->next = after + 1;
        s->pin = -1;
        s->want_preview = after > 0 || j->events > 1;
        s->tr = tr;
        s->ctx = ctx;
        s->t_add = (uint32_t)board_now_us();
        if (++stats.active > stats.peak) stats.peak = stats.active;
        return i;
    }
    stats.refused++;
    return -1;
}

int subs_available(void)
{
    return stats.active < MAX_SUBS;
}

void subs_remove(int i)
{
    if (i < 0 || i >= MAX_SUBS || !subs[i].used) return;
    jobs_preview_unpin(subs[i].pin);
    subs[i].used = 0;
    stats.active--;
}

void subs_remove_ctx(void *ctx)
{
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && subs[i].ctx == ctx) subs_remove(i);
}

void subs_move_ctx(void *from, const sub_transport_t *tr, void *to)
{
    for (int i = 0; i < MAX_SUBS; i++) {
        sub_t *s = &subs[i];
        if (!s->used || s->ctx != from) continue;
        /* What the old connection got of an event in progress is lost with it: the event
         * starts over, whole, on the new one. The cursor (next) is the event's own id. */
        jobs_preview_unpin(s->pin);
        s->pin = -1;
        s->len = s->off = 0;
        s->cur_preview = 0;
        s->ctx = to;
        s->tr = tr;
    }
}

uint32_t subs_next_event(int i)
{
    return i >= 0 && i < MAX_SUBS && subs[i].used ? subs[i].next : 0;
}

int subs_find(void *ctx, const job_t *j)
{
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && subs[i].ctx == ctx && subs[i].job == jobs_index(j) &&
            subs[i].job_gen == j->gen)
            return i;
    return -1;
}

int subs_busy_ctx(void *ctx)
{
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && subs[i].ctx == ctx && subs[i].len) return 1;
    return 0;
}

/* The event the subscription is sending (or would send next), in ref. Returns 0 when
 * nothing is pending. */
static int current(sub_t *s, job_t *j, event_ref_t *ref)
{
    memset(ref, 0, sizeof *ref);
    ref->job = j;
    ref->flags = s->flags;
    if (s->len == 0) {
        if (s->next > j->events) return 0;
        uint32_t first = jobs_first_event(j);
        if (s->next < first) {
            s->cur = first - 1;
            s->cur_from = s->next;
        } else {
            s->cur = s->next;
            s->cur_from = 0;
        }
        s->cur_preview = 0;
    }
    if (s->cur_from) {
        ref->ev.type = EV_DROPPED;
        ref->ev.id = s->cur;
        ref->dropped_from = s->cur_from;
        return 1;
    }
    if (s->len == 0) {
        const job_event_t *ev = jobs_event(j, s->cur);
        if (!ev) return 0;
        s->cur_ev = *ev;
    }
    const job_event_t *ev = &s->cur_ev;
    ref->ev = *ev;
    if (ev->type != EV_PROGRESS) return 1;
    if (s->len == 0) {
        /* Decide once per event whether it carries the preview, and pin that buffer so the
         * bytes stay the same however many windows it takes to send. */
        uint32_t pid;
        int buf = -1;
        const uint8_t *pv = jobs_preview(j, &pid, &buf);
        if (pv && (pid == ev->id || (s->want_preview && pid >= ev->id))) {
            s->cur_preview = 1;
            s->pin = (int8_t)buf;
            jobs_preview_pin(buf);
        }
        s->want_preview = 0;
    }
    if (s->cur_preview) ref->preview = jobs_preview_buffer(s->pin);
    return 1;
}

/* A progress event produced after the subscriber joined is live: its delivery is what the
 * fan-out latency figures measure (replayed events are history). */
static int live(const sub_t *s, const job_event_t *ev)
{
    return ev->type == EV_PROGRESS && (int32_t)(ev->t_us - s->t_add) >= 0;
}

/* How many subscribers of this transport follow the event live. */
static unsigned live_peers(const sub_t *s, const job_event_t *ev)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_SUBS; i++) {
        const sub_t *o = &subs[i];
        n += o->used && o->job == s->job && o->job_gen == s->job_gen && o->tr == s->tr &&
             (int32_t)(ev->t_us - o->t_add) >= 0;
    }
    return n;
}

static void measure(sub_t *s, uint32_t now);

/* An event that could not go out whole at once: the subscriber's TCP window, its send
 * buffer or the shared send heap was full. */
static void wait(sub_t *s)
{
    if (!s->waited) stats.window_waits++;
    s->waited = 1;
}

/* Output what the subscriber was handed (a TCP segment per subscriber; on the host a TAP
 * write that runs the host's network stack, and may run the client, before it returns). */
static void output(sub_t *s)
{
    if (s->unflushed) {
        s->unflushed = 0;
        s->tr->flush(s->ctx);
    }
    measure(s, (uint32_t)board_now_us());
}

static void measure(sub_t *s, uint32_t now)
{
    if (!s->measured) return;
    s->measured = 0;
    job_event_t ev = {.id = s->done_id, .t_us = s->done_t, .type = EV_PROGRESS};
    fanout_record(s->tr->name, (unsigned)s->job, s->done_id, s->done_t, s->done_handed, now,
                  live_peers(s, &ev));
}

/* Send what the window allows; defer: leave the output to the caller (the fan-out pass
 * outputs every subscriber's bytes after all have been handed to lwIP). Returns non-zero
 * if events are still waiting. */
static int pump(int i, int defer)
{
    sub_t *s = &subs[i];
    job_t *j = jobs_at(s->job);
    if (!j || j->gen != s->job_gen || j->state == JOB_FREE) {
        /* The job was forgotten to make room: nothing more will come. */
        s->final = 1;
        s->tr->final_sent(s->ctx, i);
        return 0;
    }
    int wrote = 0;
    event_ref_t ref;
    while (!s->final && current(s, j, &ref)) {
        if (s->len == 0) {
            sink_t m;
            sink_init(&m, NULL, 0, 0);
            s->tr->render(s->ctx, &m, &ref);
            if (ref.preview && s->tr->space(s->ctx) < m.pos + s->tr->overhead) {
                /* An event with a preview starts only when the window takes all of it, so
                 * it is written in this pass. One sent across passes would pin its buffer,
                 * and a reader that stopped there would hold it and starve every other
                 * reader of previews (the generator skips a step whose spare is pinned).
                 * Until then it waits, pinning nothing; once the next step's preview has
                 * replaced this one (or the job is over) the event goes without it:
                 * previews are a view, the events are the log. */
                jobs_preview_unpin(s->pin);
                s->pin = -1;
                s->cur_preview = 0;
                if (!jobs_is_final(j)) {
                    wait(s);
                    break;
                }
                ref.preview = NULL;
                sink_init(&m, NULL, 0, 0);
                s->tr->render(s->ctx, &m, &ref);
            }
            if (s->tr->begin(s->ctx, m.pos) != 0) {
                wait(s);
                jobs_preview_unpin(s->pin); /* decided again on the next try */
                s->pin = -1;
                s->cur_preview = 0;
                break;
            }
            s->len = (uint32_t)m.pos;
            s->off = 0;
        }
        while (s->off < s->len) {
            size_t room = s->tr->space(s->ctx);
            if (room == 0) break;
            if (room > sizeof window) room = sizeof window;
            sink_t w;
            sink_init(&w, window, room, s->off);
            s->tr->render(s->ctx, &w, &ref);
            size_t k = s->tr->write(s->ctx, window, w.n);
            if (k == 0) break;
            s->off += (uint32_t)k;
            wrote = 1;
        }
        if (s->off < s->len) { /* the window is full: on_sent brings us back */
            wait(s);
            break;
        }
        s->waited = 0;
        /* The event is out. */
        stats.events_sent++;
        if (live(s, &ref.ev)) {
            uint32_t now = (uint32_t)board_now_us();
            if (s->measured) measure(s, now); /* several in one pass: all but the last now */
            s->measured = 1;
            s->done_id = ref.ev.id;
            s->done_t = ref.ev.t_us;
            s->done_handed = now;
        }
        if (ref.ev.type == EV_DROPPED) stats.dropped_notices++;
        jobs_preview_unpin(s->pin);
        s->pin = -1;
        s->len = s->off = 0;
        s->next = s->cur + 1;
        if (ref.ev.type == EV_COMPLETE || ref.ev.type == EV_ERROR) s->final = 1;
    }
    if (wrote) s->unflushed = 1;
    if (!defer || s->final) output(s);
    if (s->final) {
        s->tr->final_sent(s->ctx, i); /* removes the subscription, or closes its connection */
        return 0;
    }
    return s->next <= j->events;
}

/* Two phases: every subscriber's bytes are handed to lwIP first (rendering and a copy
 * each), then each is output. Output is the expensive part on the host (a TAP write per
 * segment); done in the first phase it would make the last subscriber wait for every
 * other one's output. */
int subs_fanout(void)
{
    int waiting = 0;
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && !subs[i].final) waiting |= pump(i, 1);
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && (subs[i].unflushed || subs[i].measured)) output(&subs[i]);
    return waiting;
}

void subs_fanout_ctx(void *ctx)
{
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].used && !subs[i].final && subs[i].ctx == ctx) pump(i, 0);
}
