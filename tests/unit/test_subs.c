/* Jobs, subscriptions and the event renderer through a fake transport: what a client sees
 * when it subscribes late, asks for a point in the past, reads slowly, gets stuck, or moves
 * to another connection. The generator is the real one (2-step jobs take milliseconds). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/api/gen_request.h"
#include "app/jobs/event_render.h"
#include "app/jobs/fanout.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "jobs_test_util.h"
#include "port/json_arena.h"

extern uint32_t test_clock_ms; /* tests/unit/stub_board.c */

/* ---- a fake client ---------------------------------------------------------------- */

#define OUT_MAX (256 * 1024)

typedef struct {
    size_t window; /* bytes it takes per fan-out pass; 0: stuck */
    size_t room;   /* left in this pass */
    char out[OUT_MAX];
    size_t len;
    int messages; /* begin() calls */
    int finals;
    int in_message; /* bytes of the current message still expected */
} client_t;

static client_t clients[3];

static void f_render(void *ctx, sink_t *s, const event_ref_t *r)
{
    (void)ctx;
    event_render_json(s, r);
    sink_put(s, "\n", 1); /* one event per line in the record */
}
static size_t f_space(void *ctx)
{
    return ((client_t *)ctx)->room;
}
static int f_begin(void *ctx, size_t len)
{
    client_t *c = ctx;
    assert_int_equal(c->in_message, 0); /* messages never interleave */
    c->in_message = (int)len;
    c->messages++;
    return 0;
}
static size_t f_write(void *ctx, const void *p, size_t n)
{
    client_t *c = ctx;
    if (n > c->room) n = c->room;
    assert_true(c->len + n <= OUT_MAX);
    memcpy(c->out + c->len, p, n);
    c->len += n;
    c->room -= n;
    c->in_message -= (int)n;
    assert_true(c->in_message >= 0);
    return n;
}
static void f_flush(void *ctx)
{
    (void)ctx;
}
static void f_final(void *ctx, int sub)
{
    ((client_t *)ctx)->finals++;
    subs_remove(sub);
}

static const sub_transport_t fake = {f_render, 0,       f_space, f_begin,
                                     f_write,  f_flush, f_final, "fake"};

/* One fan-out pass: each client's window opens by its size. */
static void pass(void)
{
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++)
        clients[i].room = clients[i].window;
    subs_fanout();
}

static job_t *submit(int steps, int preview)
{
    job_t *j = submit_job("a large red circle on a blue background", steps, 7, 1, preview);
    assert_non_null(j);
    return j;
}

/* Run the queue to its end, with a fan-out pass after every slice (as the superloop). */
static void run(void)
{
    while (jobs_run_slice())
        pass();
    pass();
}

/* ---- reading the record ----------------------------------------------------------- */

typedef struct {
    char type[32];
    uint32_t id, step, from, to;
    int has_preview, has_catalogue;
} ev_t;

static int parse(const client_t *c, ev_t *evs, int max)
{
    int n = 0;
    const char *p = c->out, *end = c->out + c->len;
    while (p < end && n < max) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        json_arena_reset();
        cJSON *o = json_parse_whole(p, (size_t)(nl - p));
        assert_non_null(o);
        ev_t *e = &evs[n++];
        memset(e, 0, sizeof *e);
        snprintf(e->type, sizeof e->type, "%s",
                 cJSON_GetObjectItemCaseSensitive(o, "type")->valuestring);
        e->id = (uint32_t)cJSON_GetObjectItemCaseSensitive(o, "event_id")->valuedouble;
        cJSON *v;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "step"))) e->step = (uint32_t)v->valuedouble;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "from"))) e->from = (uint32_t)v->valuedouble;
        if ((v = cJSON_GetObjectItemCaseSensitive(o, "to"))) e->to = (uint32_t)v->valuedouble;
        e->has_preview = cJSON_GetObjectItemCaseSensitive(o, "preview") != NULL;
        cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
        cJSON *sg = cJSON_GetObjectItemCaseSensitive(o, "stage");
        cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "progress");
        cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
        e->has_catalogue = cJSON_IsString(st) && cJSON_IsString(sg) && cJSON_IsNumber(pr) &&
                           pr->valuedouble >= 0.0 && pr->valuedouble <= 1.0 && cJSON_IsNumber(ts);
        json_arena_reset();
        p = nl + 1;
    }
    return n;
}

/* Every event id from first to last once, in order, ending with generation_complete. */
static void assert_sequence(const ev_t *e, int n, uint32_t first, uint32_t last)
{
    assert_int_equal(n, (int)(last - first + 1));
    for (int i = 0; i < n; i++) {
        assert_int_equal(e[i].id, first + (uint32_t)i);
        assert_true(e[i].has_catalogue);
    }
    assert_string_equal(e[n - 1].type, "generation_complete");
}

static int setup(void **state)
{
    (void)state;
    jobs_init();
    subs_init();
    memset(clients, 0, sizeof clients);
    return 0;
}

/* ---- tests -------------------------------------------------------------------------- */

static ev_t evs[200], evs2[200];

static void late_subscriber_gets_every_event(void **state)
{
    (void)state;
    job_t *j = submit(2, 1);
    run();
    assert_int_equal(j->state, JOB_DONE);
    clients[0].window = 1 << 20;
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    pass();
    int n = parse(&clients[0], evs, 200);
    /* queued, started, two progress, complete */
    assert_sequence(evs, n, 1, 5);
    assert_string_equal(evs[0].type, "generation_queued");
    assert_string_equal(evs[1].type, "generation_started");
    assert_string_equal(evs[2].type, "generation_progress");
    assert_int_equal(clients[0].finals, 1);
    assert_int_equal(subs_stats()->active, 0);
}

static void replay_after_an_id_and_preview_on_first_progress(void **state)
{
    (void)state;
    job_t *j = submit(3, 1);
    run();
    clients[0].window = 1 << 20;
    assert_true(subs_add(j, 2, 0, &fake, &clients[0]) >= 0);
    pass();
    int n = parse(&clients[0], evs, 200);
    assert_sequence(evs, n, 3, 6);
    /* The first progress event of a replay carries the job's latest preview. */
    assert_string_equal(evs[0].type, "generation_progress");
    assert_true(evs[0].has_preview);
}

static void too_late_gets_events_dropped_then_the_rest(void **state)
{
    (void)state;
    job_t *j = submit(100, 0); /* 103 events: more than the ring keeps */
    run();
    assert_true(j->events > EVENTS_PER_JOB);
    uint32_t first = jobs_first_event(j);
    assert_true(first > 1);
    clients[0].window = 1 << 20;
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    pass();
    int n = parse(&clients[0], evs, 200);
    assert_string_equal(evs[0].type, "events_dropped");
    assert_int_equal(evs[0].from, 1);
    assert_int_equal(evs[0].to, first - 1);
    assert_sequence(evs + 1, n - 1, first, j->events);
}

static void slow_reader_gets_the_same_bytes_as_a_fast_one(void **state)
{
    (void)state;
    clients[0].window = 1 << 20; /* fast */
    clients[1].window = 97;      /* slow: a few bytes per pass, events split anywhere */
    job_t *j = submit(4, 1);
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    assert_true(subs_add(j, 0, 0, &fake, &clients[1]) >= 0);
    run();
    for (int i = 0; i < 100000 && clients[1].finals == 0; i++)
        pass();
    assert_int_equal(clients[1].finals, 1);
    int n = parse(&clients[0], evs, 200);
    int m = parse(&clients[1], evs2, 200);
    assert_sequence(evs, n, 1, j->events);
    assert_sequence(evs2, m, 1, j->events);
    /* Previews are best effort (a window that cannot take a whole previewed event sends it
     * without), so compare the ids and types; the fast reader saw every preview. */
    for (int i = 0; i < n; i++) {
        assert_string_equal(evs[i].type, evs2[i].type);
        if (!strcmp(evs[i].type, "generation_progress")) assert_true(evs[i].has_preview);
    }
}

static void fanout_measures_live_progress_events_only(void **state)
{
    (void)state;
    clients[0].window = clients[1].window = clients[2].window = 1 << 20;
    job_t *j = submit(4, 0);
    for (int i = 0; i < 3; i++)
        assert_true(subs_add(j, 0, 0, &fake, &clients[i]) >= 0);
    run();
    uint32_t v, n;
    /* Three subscribers following four steps live: twelve deliveries, four events, each
     * closed when its third subscriber had it. */
    assert_int_equal(fanout_percentile("fake", FANOUT_DELIVER, 50, &v, &n), 0);
    assert_int_equal(n, 12);
    assert_int_equal(fanout_percentile("fake", FANOUT_LAST, 50, &v, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(fanout_percentile("fake", FANOUT_HANDED, 50, &v, &n), 0);
    assert_int_equal(n, 12);
    /* A late subscriber's replay is history, not fan-out. */
    test_clock_ms += 10;
    clients[0].len = 0;
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    pass();
    assert_true(clients[0].len > 0);
    assert_int_equal(fanout_percentile("fake", FANOUT_DELIVER, 50, &v, &n), 0);
    assert_int_equal(n, 12);
}

/* The previews of successive progress events: "preview":"data:..." strings in order. */
static int previews(const client_t *c, const char **at, size_t *len, int max)
{
    int k = 0;
    const char *p = c->out, *end = c->out + c->len;
    static const char key[] = "\"preview\":\"";
    while (k < max && (p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
        p += sizeof key - 1;
        const char *q = memchr(p, '"', (size_t)(end - p));
        assert_non_null(q);
        at[k] = p;
        len[k++] = (size_t)(q - p);
        p = q;
    }
    return k;
}

static void previews_follow_the_pixels(void **state)
{
    (void)state;
    /* The PNG is encoded once and kept for every window and subscriber of the same pixels:
     * each step's preview is still its own, and two readers get the same ones. */
    clients[0].window = 1 << 20;
    clients[1].window = 1 << 20;
    job_t *j = submit(4, 1);
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    assert_true(subs_add(j, 0, 0, &fake, &clients[1]) >= 0);
    run();
    const char *a[8], *b[8];
    size_t la[8], lb[8];
    int na = previews(&clients[0], a, la, 8), nb = previews(&clients[1], b, lb, 8);
    assert_int_equal(na, 4);
    assert_int_equal(nb, 4);
    for (int i = 0; i < na; i++) {
        assert_int_equal(la[i], lb[i]);
        assert_memory_equal(a[i], b[i], la[i]);
        if (i > 0) assert_true(la[i] != la[i - 1] || memcmp(a[i], a[i - 1], la[i]) != 0);
    }
    /* The same buffer with new pixels is encoded anew: a second job of two steps leaves
     * its last preview in the buffer that held the first job's. */
    uint32_t id;
    int buf;
    const uint8_t *rgb = jobs_preview(j, &id, &buf);
    assert_non_null(rgb);
    static uint8_t first[GEN_PNG_MAX];
    size_t n1, n2;
    const uint8_t *png = event_png(rgb, &n1);
    memcpy(first, png, n1);
    gen_request_t g;
    memset(&g, 0, sizeof g);
    strcpy(g.prompt, "a small green star at the top, black background");
    g.steps = 2;
    g.guidance10 = 10;
    g.seed = 99;
    g.preview = 1;
    job_t *k = jobs_submit(&g, 1, 0);
    assert_non_null(k);
    run();
    assert_ptr_equal(jobs_preview(k, &id, &buf), rgb);
    const uint8_t *second = event_png(rgb, &n2);
    assert_true(n1 == n2 && memcmp(first, second, n1) != 0);
}

static void a_stuck_reader_pins_no_preview(void **state)
{
    (void)state;
    clients[0].window = 1 << 20;
    clients[1].window = 0; /* never reads */
    job_t *j = submit(5, 1);
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    assert_true(subs_add(j, 0, 0, &fake, &clients[1]) >= 0);
    run();
    int n = parse(&clients[0], evs, 200);
    assert_sequence(evs, n, 1, j->events);
    int previews = 0;
    for (int i = 0; i < n; i++)
        previews += evs[i].has_preview;
    assert_int_equal(previews, 5); /* every step, although the other reader is stuck */
    assert_int_equal(clients[1].len, 0);
    /* Its window opens after the job: it gets everything, in order. */
    clients[1].window = 1 << 20;
    pass();
    int m = parse(&clients[1], evs2, 200);
    assert_sequence(evs2, m, 1, j->events);
}

/* A reader that stops inside an event and comes back after the job's ring has overwritten
 * that event: it gets the rest of the event it was in (the bytes it was promised), then
 * events_dropped for what the ring lost, then the rest. It once got nothing more, ever, and
 * its half-sent frame never ended (found by tests/faults/closed_window.mjs). */
static void a_reader_stopped_mid_event_finishes_it(void **state)
{
    (void)state;
    clients[0].window = 61;    /* a few bytes per pass: it stops inside events */
    job_t *j = submit(100, 0); /* 103 events: far more than the ring keeps */
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    while (clients[0].messages < 4 || clients[0].in_message == 0) {
        assert_true(jobs_run_slice());
        pass();
    }
    clients[0].window = 0; /* stuck mid-event until the job is over */
    run();
    assert_true(jobs_first_event(j) > (uint32_t)clients[0].messages + 1);
    clients[0].window = 1 << 20;
    pass();
    assert_int_equal(clients[0].in_message, 0);
    assert_int_equal(clients[0].finals, 1);
    int n = parse(&clients[0], evs, 200);
    int k = 0;
    while (k < n && strcmp(evs[k].type, "events_dropped") != 0) {
        assert_int_equal(evs[k].id, (uint32_t)k + 1);
        k++;
    }
    assert_true(k >= 4 && k < n);
    assert_int_equal(evs[k].from, (uint32_t)k + 1);
    assert_int_equal(evs[k].to, jobs_first_event(j) - 1);
    assert_sequence(evs + k + 1, n - k - 1, jobs_first_event(j), j->events);
}

static void a_moved_subscription_keeps_its_cursor(void **state)
{
    (void)state;
    clients[0].window = 50; /* the old connection: slow, an event half out when it moves */
    job_t *j = submit(3, 0);
    assert_true(subs_add(j, 0, 0, &fake, &clients[0]) >= 0);
    while (jobs_run_slice())
        ;
    /* Until some events are out and the next is half out. */
    int done = 0;
    for (int k = 0; k < 1000 && (done < 2 || clients[0].in_message == 0); k++) {
        pass();
        done = 0; /* whole events the old client got: lines ending in '\n' */
        for (size_t i = 0; i < clients[0].len; i++)
            done += clients[0].out[i] == '\n';
    }
    assert_true(done >= 1 && done < (int)j->events);
    assert_true(clients[0].in_message > 0); /* caught mid-event */
    subs_move_ctx(&clients[0], &fake, &clients[2]);
    clients[0].window = 0;
    clients[2].window = 1 << 20;
    pass();
    /* The new client starts with the event that was in progress, whole, and has every
     * later one; nothing the old one completed is sent again. */
    int m = parse(&clients[2], evs2, 200);
    assert_sequence(evs2, m, (uint32_t)done + 1, j->events);
    assert_int_equal(clients[2].finals, 1);
    assert_int_equal(clients[0].finals, 0);
}

static void the_renderer_gives_the_same_bytes_in_any_window(void **state)
{
    (void)state;
    job_t *j = submit(2, 1);
    run();
    static char whole[8192], part[8192];
    for (uint32_t id = 1; id <= j->events; id++) {
        event_ref_t r;
        memset(&r, 0, sizeof r);
        r.job = j;
        r.ev = *jobs_event(j, id);
        uint32_t pid;
        int buf;
        r.preview = r.ev.type == EV_PROGRESS ? jobs_preview(j, &pid, &buf) : NULL;
        sink_t s;
        sink_init(&s, whole, sizeof whole, 0);
        event_render_json(&s, &r);
        size_t len = s.n;
        assert_int_equal(s.pos, len);
        for (size_t off = 0; off < len; off += 37) {
            for (size_t cap = 1; cap < 1500; cap = cap * 3 + 1) {
                sink_init(&s, part, cap, off);
                event_render_json(&s, &r);
                size_t want = len - off < cap ? len - off : cap;
                assert_int_equal(s.n, want);
                assert_memory_equal(part, whole + off, want);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(late_subscriber_gets_every_event, setup),
        cmocka_unit_test_setup(replay_after_an_id_and_preview_on_first_progress, setup),
        cmocka_unit_test_setup(too_late_gets_events_dropped_then_the_rest, setup),
        cmocka_unit_test_setup(slow_reader_gets_the_same_bytes_as_a_fast_one, setup),
        cmocka_unit_test_setup(a_stuck_reader_pins_no_preview, setup),
        cmocka_unit_test_setup(fanout_measures_live_progress_events_only, setup),
        cmocka_unit_test_setup(previews_follow_the_pixels, setup),
        cmocka_unit_test_setup(a_reader_stopped_mid_event_finishes_it, setup),
        cmocka_unit_test_setup(a_moved_subscription_keeps_its_cursor, setup),
        cmocka_unit_test_setup(the_renderer_gives_the_same_bytes_in_any_window, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
