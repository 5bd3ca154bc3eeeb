/* app/sio/sio.c: the Socket.IO layer over an Engine.IO session, with a recording glue in
 * place of the HTTP server: CONNECT and namespaces, the device's events with the guide's
 * validation messages, acks, colon-named events, binary refusal, the rendering of job
 * events (each with exactly one argument), and connection-state recovery by pid and
 * offset, also for a client that dropped before it received any event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/api/gen_request.h"
#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "app/sio/sio.h"
#include "cJSON.h"
#include "port/json_arena.h"

extern uint32_t test_clock_ms;

static struct {
    int outputs, closed, why, follows, unfollows;
    const job_t *followed;
    uint32_t after;
    sio_session_t *follow_ctx;
} G;

static void g_output(sio_session_t *s)
{
    (void)s;
    G.outputs++;
}
static void g_probe_failed(sio_session_t *s)
{
    (void)s;
}
static void g_closed(sio_session_t *s, eio_reason_t why)
{
    (void)s;
    G.closed++;
    G.why = why;
}
static int g_follow(sio_session_t *s, job_t *j, uint32_t after, unsigned flags)
{
    (void)flags;
    G.follows++;
    G.followed = j;
    G.after = after;
    G.follow_ctx = s;
    return 0;
}
static void g_unfollow(sio_session_t *s, const job_t *j)
{
    (void)s, (void)j;
    G.unfollows++;
}
static const sio_glue_t glue = {g_output, g_probe_failed, g_closed, g_follow, g_unfollow};

static int setup(void **st)
{
    (void)st;
    memset(&G, 0, sizeof G);
    test_clock_ms = 1000;
    jobs_init();
    subs_init();
    sio_init(&glue);
    return 0;
}

/* Next queued packet as a string ("" when none). */
static const char *next(sio_session_t *s)
{
    static char buf[EIO_TXQ_SIZE + 1];
    size_t n;
    const uint8_t *p = eio_sess_peek(&s->eio, &n);
    if (!p) return "";
    memcpy(buf, p, n);
    buf[n] = 0;
    eio_sess_pop(&s->eio);
    return buf;
}

static int post(sio_session_t *s, const char *body)
{
    return eio_sess_post(&s->eio, (const uint8_t *)body, strlen(body));
}

/* A polling session that has connected to "/"; its user_id and pid are returned. */
static sio_session_t *connected(char *user_id, char *pid)
{
    sio_session_t *s = sio_open(EIO_TR_POLLING, test_clock_ms);
    assert_non_null(s);
    assert_int_equal(next(s)[0], '0'); /* the open packet */
    assert_int_equal(post(s, "40"), 0);
    const char *r = next(s);
    assert_memory_equal(r, "40{\"sid\":\"", 10);
    const char *p = strstr(r, "\"pid\":\"");
    assert_non_null(p);
    if (pid) snprintf(pid, EIO_SID_LEN + 1, "%s", p + 7);
    r = next(s);
    assert_memory_equal(r, "42[\"connected\",{\"user_id\":\"", 27);
    if (user_id) snprintf(user_id, SIO_USER_ID_LEN + 1, "%s", r + 27);
    assert_string_equal(next(s), "");
    return s;
}

static void test_connect(void **st)
{
    (void)st;
    char uid[SIO_USER_ID_LEN + 1], pid[EIO_SID_LEN + 1];
    sio_session_t *s = connected(uid, pid);
    assert_int_equal(strlen(uid), 36);
    assert_int_equal(uid[14], '4');
    assert_int_equal(strlen(pid), EIO_SID_LEN);
    assert_ptr_equal(sio_find(s->eio.sid), s);
    /* python-socketio's CONNECT carries an empty auth object. */
    sio_session_t *p = sio_open(EIO_TR_WEBSOCKET, test_clock_ms);
    next(p);
    assert_int_equal(eio_sess_ws_packet(&p->eio, 0, 0, (const uint8_t *)"40{}", 4), EIO_WS_OK);
    assert_memory_equal(next(p), "40{\"sid\":", 9);
    assert_memory_equal(next(p), "42[\"connected\"", 14);
    /* Other namespaces are refused, the session stays. */
    assert_int_equal(post(s, "40/admin,"), 0);
    assert_string_equal(next(s), "44/admin,{\"message\":\"Invalid namespace\"}");
    assert_int_equal(post(s, "40/admin,{\"token\":1}"), 0);
    assert_string_equal(next(s), "44/admin,{\"message\":\"Invalid namespace\"}");
    assert_int_equal(G.closed, 0);
    int pol, ws, dropped;
    sio_counts(&pol, &ws, &dropped);
    assert_int_equal(pol, 1);
    assert_int_equal(ws, 1);
}

static void test_malformed_closes(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "42[\"x\"]", /* an event before CONNECT */
        "40[1]",     /* auth that is not an object */
        "40{",       /* bad JSON */
        "9",         /* no such type */
        "40\x1e"
        "42{}", /* an event that is not an array */
        "40\x1e"
        "42[1]", /* an event whose name is not a string */
        "40\x1e"
        "42[\"a\"] x", /* trailing bytes */
        "40\x1e"
        "42/other,[\"a\"]", /* a namespace never joined */
        "40\x1e"
        "4299999999999[\"a\"]", /* an ack id over 32 bits */
        "40\x1e"
        "45[\"a\"]", /* a binary header without its count */
        "40\x1e"
        "44{}", /* CONNECT_ERROR from a client */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setup(NULL);
        sio_session_t *s = sio_open(EIO_TR_POLLING, test_clock_ms);
        next(s); /* the open packet, as the handshake GET takes it */
        assert_int_equal(post(s, bad[i]), -1);
        assert_int_equal(G.closed, 1);
        assert_int_equal(G.why, EIO_REASON_PARSE);
        assert_int_equal(s->slot, SIO_FREE); /* not recoverable */
        assert_int_equal(sio_stats()->malformed, 1);
    }
    /* Event names of any characters are fine. */
    setup(NULL);
    sio_session_t *s = connected(NULL, NULL);
    assert_int_equal(post(s, "42[\"stream:ready-now \\u00e9\",{}]"), 0);
    assert_int_equal(post(s, "427[\"no-such:event\"]"), 0);
    assert_string_equal(
        next(s), "437[{\"ok\":false,\"error\":\"unknown event (generate_image, job:subscribe, "
                 "job:cancel)\"}]");
    assert_int_equal(G.closed, 0);
}

static void test_generate_validation(void **st)
{
    (void)st;
    char uid[SIO_USER_ID_LEN + 1];
    sio_session_t *s = connected(uid, NULL);
    char body[512];
    struct {
        const char *data, *message;
    } cases[] = {
        {"", "No data received in generate_image event"},
        {",null", "No data received in generate_image event"},
        {",\"a sunset\"", "Invalid data format: expected an object with user_id and prompt"},
        {",[1]", "Invalid data format: expected an object with user_id and prompt"},
        {",{\"user_id\":\"%s\"}", "Missing prompt"},
        {",{\"prompt\":\"a red circle\"}", "Missing user_id"},
        {",{\"prompt\":\"a red circle\",\"user_id\":\"abb58184-0000\"}",
         "User session ID: NOT FOUND (user_id is not this connection's)"},
        {",{\"prompt\":\"\",\"user_id\":\"%s\"}", NULL},
        {",{\"prompt\":\"a red circle\",\"user_id\":\"%s\",\"num_inference_steps\":0}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[256];
        snprintf(data, sizeof data, cases[i].data, uid);
        snprintf(body, sizeof body, "42%u[\"generate_image\"%s]", (unsigned)i, data);
        assert_int_equal(post(s, body), 0);
        const char *ev = next(s);
        assert_memory_equal(ev, "42[\"generation_error\",{\"message\":", 33);
        assert_non_null(strstr(ev, "\"code\":\"invalid_argument\""));
        if (cases[i].message) {
            char want[300];
            snprintf(want, sizeof want, "{\"message\":\"%s\"", cases[i].message);
            assert_non_null(strstr(ev, want));
        }
        char ackp[16];
        snprintf(ackp, sizeof ackp, "43%u[{\"ok\":false", (unsigned)i);
        const char *a = next(s);
        assert_memory_equal(a, ackp, strlen(ackp));
    }
    assert_int_equal(G.follows, 0);
    assert_int_equal(jobs_count(JOB_QUEUED), 0);
    /* Without an ack id, only the event. */
    assert_int_equal(post(s, "42[\"generate_image\"]"), 0);
    assert_memory_equal(next(s), "42[\"generation_error\"", 21);
    assert_string_equal(next(s), "");
}

static job_t *generate(sio_session_t *s, const char *uid, unsigned ack_id)
{
    char body[256];
    snprintf(body, sizeof body,
             "42%u[\"generate_image\",{\"user_id\":\"%s\",\"prompt\":\"a red circle\","
             "\"num_inference_steps\":1,\"seed\":7}]",
             ack_id, uid);
    assert_int_equal(post(s, body), 0);
    const char *a = next(s);
    char want[64];
    snprintf(want, sizeof want, "43%u[{\"ok\":true,\"session_id\":\"", ack_id);
    assert_memory_equal(a, want, strlen(want));
    char hex[JOB_ID_HEX];
    snprintf(hex, sizeof hex, "%s", a + strlen(want));
    job_t *j = jobs_find(hex);
    assert_non_null(j);
    assert_ptr_equal(G.followed, j);
    assert_int_equal(G.after, 0);
    return j;
}

static void test_generate_and_jobs(void **st)
{
    (void)st;
    char uid[SIO_USER_ID_LEN + 1];
    sio_session_t *s = connected(uid, NULL);
    job_t *j = generate(s, uid, 5);
    assert_int_equal(s->follow[0].mode, SIO_FOLLOW_DEVICE);

    /* job:subscribe and job:cancel, colon names, from another session. */
    sio_session_t *o = connected(NULL, NULL);
    char body[200];
    snprintf(body, sizeof body,
             "421[\"job:subscribe\",{\"session_id\":\"%s\",\"last_event_id\":1}]", j->hex);
    assert_int_equal(post(o, body), 0);
    assert_memory_equal(next(o), "431[{\"ok\":true", 14);
    assert_ptr_equal(G.follow_ctx, o);
    assert_int_equal(G.after, 1);
    assert_int_equal(o->follow[0].mode, SIO_FOLLOW_JOBEVENT);
    assert_int_equal(post(o, "422[\"job:subscribe\",{\"session_id\":\"ffff\"}]"), 0);
    assert_memory_equal(next(o), "42[\"generation_error\",{\"message\":\"no such session\"", 50);
    assert_string_equal(next(o), "432[{\"ok\":false,\"error\":\"no such session\"}]");
    snprintf(body, sizeof body, "423[\"job:cancel\",{\"session_id\":\"%s\"}]", j->hex);
    assert_int_equal(post(o, body), 0);
    assert_memory_equal(next(o), "433[{\"ok\":true", 14);
    assert_int_equal(j->state, JOB_FAILED);
    assert_int_equal(post(o, body), 0); /* a second cancel: finished already */
    assert_memory_equal(next(o), "42[\"generation_error\"", 21);
    assert_memory_equal(next(o), "433[{\"ok\":false", 15);
    /* DISCONNECT from the client leaves the jobs. */
    int un = G.unfollows;
    assert_int_equal(post(o, "41"), 0);
    assert_int_equal(G.unfollows, un + 1);
    assert_false(o->connected);
}

static void test_binary_refused(void **st)
{
    (void)st;
    sio_session_t *s = connected(NULL, NULL);
    assert_int_equal(post(s, "451-9[\"upload\",{\"_placeholder\":true,\"num\":0}]\x1e"
                             "bAQID"),
                     0);
    assert_memory_equal(next(s), "42[\"error\",{\"code\":\"unsupported\"", 32);
    assert_string_equal(next(s),
                        "439[{\"ok\":false,\"error\":\"binary events are not supported by this "
                        "device\"}]");
    assert_int_equal(G.closed, 0);
    /* An attachment nobody announced is malformed. */
    assert_int_equal(post(s, "bAQID"), -1);
    assert_int_equal(G.closed, 1);
}

/* Parse a rendered Engine.IO packet "42[...]" as the client library would. */
static cJSON *args_of(const char *pkt)
{
    assert_memory_equal(pkt, "42[", 3);
    json_arena_reset();
    cJSON *a = json_parse_whole(pkt + 2, strlen(pkt + 2));
    assert_non_null(a);
    assert_true(cJSON_IsArray(a));
    return a;
}

static const char *render(const sio_session_t *s, const event_ref_t *r, int offset)
{
    static char buf[8192];
    sink_t k;
    sink_init(&k, buf, sizeof buf - 1, 0);
    if (offset)
        sio_render_offset(&k, s, r->job, r->ev.id);
    else
        sio_render_event(&k, s, r);
    assert_int_equal(k.n, k.pos);
    buf[k.n] = 0;
    return buf;
}

static void test_render_events(void **st)
{
    (void)st;
    char uid[SIO_USER_ID_LEN + 1];
    sio_session_t *s = connected(uid, NULL);
    job_t *j = generate(s, uid, 1);
    sio_session_t *o = connected(NULL, NULL);
    char body[200];
    snprintf(body, sizeof body, "421[\"job:subscribe\",{\"session_id\":\"%s\"}]", j->hex);
    post(o, body);
    next(o);
    for (int guard = 0; jobs_run_slice() && guard < 100000; guard++)
        ;
    assert_int_equal(j->state, JOB_DONE);
    static const char *const names[] = {"generation_queued", "generation_started",
                                        "generation_progress", "image_ready"};
    for (uint32_t id = 1; id <= j->events; id++) {
        event_ref_t r = {.job = j, .ev = *jobs_event(j, id)};
        /* Exactly one argument after the name, so python-socketio's def on_x(data) works. */
        cJSON *a = args_of(render(s, &r, 0));
        assert_int_equal(cJSON_GetArraySize(a), 2);
        assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, names[id - 1]);
        const cJSON *d = cJSON_GetArrayItem(a, 1);
        assert_true(cJSON_IsObject(d));
        assert_string_equal(cJSON_GetObjectItem(d, "session_id")->valuestring, j->hex);
        assert_int_equal(cJSON_GetObjectItem(d, "event_id")->valueint, (int)id);
        if (id == 4) {
            const char *img = cJSON_GetObjectItem(d, "image_data")->valuestring;
            assert_memory_equal(img, "data:image/png;base64,iVBORw0KGgo", 33);
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "generation_time")));
        } else {
            assert_true(cJSON_IsString(cJSON_GetObjectItem(d, "message")));
        }
        /* The follower by job:subscribe gets the /ws message under job:event. */
        a = args_of(render(o, &r, 0));
        assert_int_equal(cJSON_GetArraySize(a), 2);
        assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "job:event");
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "event_id")->valueint,
                         (int)id);
        /* The offset packet: one string argument, the position once this event is in. */
        a = args_of(render(s, &r, 1));
        assert_int_equal(cJSON_GetArraySize(a), 2);
        assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "sio:offset");
        char want[40];
        snprintf(want, sizeof want, "%d.%u.%u", jobs_index(j), j->gen, id);
        assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, want);
        /* A windowed render gives the same bytes (subscribers resume mid-event). */
        char whole[8192];
        snprintf(whole, sizeof whole, "%s", render(s, &r, 0));
        size_t len = strlen(whole);
        char part[64];
        for (size_t off = 0; off < len; off += 61) {
            sink_t k;
            sink_init(&k, part, sizeof part, off);
            sio_render_event(&k, s, &r);
            assert_int_equal(k.pos, len);
            assert_memory_equal(part, whole + off, k.n);
        }
    }
    json_arena_reset();
}

/* Drop the transport of a connected session that follows a job, then come back. */
static void test_recovery(void **st)
{
    (void)st;
    char uid[SIO_USER_ID_LEN + 1], pid[EIO_SID_LEN + 1];
    sio_session_t *s = connected(uid, pid);
    char sock_id[EIO_SID_LEN + 1];
    memcpy(sock_id, s->id, sizeof sock_id);
    job_t *j = generate(s, uid, 1);
    sio_event_sent(s, j, 3); /* events 1-3 went out; the client's offset says 2 */
    char off[40];
    snprintf(off, sizeof off, "%d.%u.2", jobs_index(j), j->gen);
    eio_sess_transport_gone(&s->eio, 0);
    assert_int_equal(s->slot, SIO_DROPPED);
    assert_null(sio_find(s->eio.sid));

    test_clock_ms += SIO_RECOVERY_MS - 1;
    sio_tick(test_clock_ms);
    sio_session_t *n = sio_open(EIO_TR_POLLING, test_clock_ms);
    next(n);
    char body[128];
    snprintf(body, sizeof body, "40{\"pid\":\"%s\",\"offset\":\"%s\"}", pid, off);
    int follows = G.follows, unfollows = G.unfollows;
    assert_int_equal(post(n, body), 0);
    char want[80];
    snprintf(want, sizeof want, "40{\"sid\":\"%s\",\"pid\":\"%s\"}", sock_id, pid);
    assert_string_equal(next(n), want); /* same socket id and pid: socket.recovered */
    assert_string_equal(next(n), "");   /* no second "connected" */
    assert_true(n->recovered);
    assert_string_equal(n->user_id, uid);
    assert_int_equal(G.follows, follows + 1);
    assert_int_equal(G.unfollows, unfollows + 1);
    assert_ptr_equal(G.follow_ctx, n);
    assert_int_equal(G.after, 2); /* replayed from after the client's offset */
    assert_int_equal(s->slot, SIO_FREE);
    assert_int_equal(sio_stats()->recovered, 1);

    /* Dropped before any event: no offset, so every job from where it was followed. */
    eio_sess_transport_gone(&n->eio, 0);
    sio_session_t *m = sio_open(EIO_TR_WEBSOCKET, test_clock_ms);
    next(m);
    snprintf(body, sizeof body, "40{\"pid\":\"%s\"}", pid);
    assert_int_equal(eio_sess_ws_packet(&m->eio, 0, 0, (const uint8_t *)body, strlen(body)),
                     EIO_WS_OK);
    assert_string_equal(next(m), want);
    assert_int_equal(G.after, 0);
    assert_true(m->recovered);

    /* After the window the pid is forgotten: a fresh socket. */
    eio_sess_transport_gone(&m->eio, 0);
    test_clock_ms += SIO_RECOVERY_MS;
    sio_tick(test_clock_ms);
    int dropped, pol, ws;
    sio_counts(&pol, &ws, &dropped);
    assert_int_equal(dropped, 0);
    sio_session_t *f = sio_open(EIO_TR_POLLING, test_clock_ms);
    next(f);
    assert_int_equal(post(f, body), 0);
    const char *r = next(f);
    assert_null(strstr(r, sock_id));
    assert_memory_equal(next(f), "42[\"connected\"", 14);
    assert_false(f->recovered);
    assert_int_equal(sio_stats()->recover_failed, 1);

    /* A client that said goodbye is not kept. */
    eio_sess_post(&f->eio, (const uint8_t *)"1", 1);
    assert_int_equal(f->slot, SIO_FREE);
}

static void test_table_full(void **st)
{
    (void)st;
    sio_session_t *all[MAX_SIO_SESSIONS];
    for (int i = 0; i < MAX_SIO_SESSIONS; i++)
        assert_non_null(all[i] = connected(NULL, NULL));
    assert_null(sio_open(EIO_TR_POLLING, test_clock_ms));
    assert_int_equal(sio_stats()->refused, 1);
    /* A session waiting for recovery gives its slot to a live client. */
    eio_sess_transport_gone(&all[3]->eio, 0);
    assert_int_equal(all[3]->slot, SIO_DROPPED);
    assert_ptr_equal(sio_open(EIO_TR_POLLING, test_clock_ms), all[3]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_connect, setup),
        cmocka_unit_test_setup(test_malformed_closes, setup),
        cmocka_unit_test_setup(test_generate_validation, setup),
        cmocka_unit_test_setup(test_generate_and_jobs, setup),
        cmocka_unit_test_setup(test_binary_refused, setup),
        cmocka_unit_test_setup(test_render_events, setup),
        cmocka_unit_test_setup(test_recovery, setup),
        cmocka_unit_test_setup(test_table_full, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
