/* app/sio/eio.c and eio_session.c: Engine.IO v4 packets, payloads, the handshake query, and
 * the session state machine (polling, upgrade, pings, overlap, close), driven through its
 * hooks the way the HTTP glue drives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/sio/eio.h"
#include "app/sio/eio_session.h"

#define U(s) (const uint8_t *)(s), strlen(s)

static void test_packet_parse(void **st)
{
    (void)st;
    eio_packet_t p;
    assert_int_equal(eio_packet_parse(U("4hello"), &p), 0);
    assert_int_equal(p.type, EIO_MESSAGE);
    assert_int_equal(p.len, 5);
    assert_memory_equal(p.data, "hello", 5);
    assert_int_equal(eio_packet_parse(U("6"), &p), 0);
    assert_int_equal(p.type, EIO_NOOP);
    assert_int_equal(p.len, 0);
    assert_int_equal(eio_packet_parse(U(""), &p), EIO_E_EMPTY);
    assert_int_equal(eio_packet_parse(U("7x"), &p), EIO_E_TYPE);
    assert_int_equal(eio_packet_parse(U("x"), &p), EIO_E_TYPE);
    assert_int_equal(eio_packet_parse(U("bAAEC"), &p), EIO_E_BINARY);
}

static void test_payload(void **st)
{
    (void)st;
    eio_payload_t it;
    eio_packet_t p;
    const char *body = "40\x1e"
                       "42[\"a\"]\x1e"
                       "3";
    eio_payload_init(&it, U(body), 16);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(p.type, EIO_MESSAGE);
    assert_int_equal(p.len, 1);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(p.len, 6);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(p.type, EIO_PONG);
    assert_int_equal(eio_payload_next(&it, &p), 0);

    eio_payload_init(&it, U(""), 16);
    assert_int_equal(eio_payload_next(&it, &p), EIO_E_EMPTY);
    eio_payload_init(&it, U("3\x1e"), 16); /* a trailing separator: an empty packet */
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(eio_payload_next(&it, &p), EIO_E_EMPTY);
    eio_payload_init(&it,
                     U("3\x1e\x1e"
                       "3"),
                     16);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(eio_payload_next(&it, &p), EIO_E_EMPTY);
    eio_payload_init(&it,
                     U("3\x1e"
                       "3\x1e"
                       "3"),
                     2);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(eio_payload_next(&it, &p), 1);
    assert_int_equal(eio_payload_next(&it, &p), EIO_E_COUNT);
}

/* 0, or the error code the parser reports. */
static int qp(const char *target, eio_query_t *q)
{
    int r = eio_query_parse(target, q);
    return r == 0 ? 0 : 100 + q->err;
}

static void test_query(void **st)
{
    (void)st;
    eio_query_t q;
    assert_int_equal(qp("/socket.io/?EIO=4&transport=polling&t=abc", &q), 0);
    assert_int_equal(q.transport, EIO_TR_POLLING);
    assert_false(q.has_sid);
    assert_int_equal(qp("/socket.io/?EIO=4&transport=websocket", &q), 0);
    assert_int_equal(q.transport, EIO_TR_WEBSOCKET);
    assert_int_equal(qp("/socket.io/?EIO=3&transport=polling", &q), 100 + EIO_ERR_VERSION);
    assert_int_equal(qp("/socket.io/?transport=polling", &q), 100 + EIO_ERR_VERSION);
    assert_int_equal(qp("/socket.io/?EIO=4&transport=flash", &q), 100 + EIO_ERR_TRANSPORT);
    assert_int_equal(qp("/socket.io/?EIO=4", &q), 100 + EIO_ERR_TRANSPORT);
    assert_int_equal(qp("/socket.io/?EIO=4&transport=polling&sid=short", &q), 100 + EIO_ERR_SID);
    assert_int_equal(qp("/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAA-", &q), 0);
    assert_true(q.has_sid);
    assert_string_equal(q.sid, "AAAAAAAAAAAAAAAAAAA-");
}

static void test_render(void **st)
{
    (void)st;
    char buf[256];
    sink_t k;
    sink_init(&k, buf, sizeof buf, 0);
    eio_render_open(&k, "abcdefghijklmnopqrst", 1, 25000, 20000, 4096);
    buf[k.n] = 0;
    assert_string_equal(buf, "0{\"sid\":\"abcdefghijklmnopqrst\",\"upgrades\":[\"websocket\"],"
                             "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":4096}");
    sink_init(&k, buf, sizeof buf, 0);
    eio_render_error(&k, EIO_ERR_SID);
    buf[k.n] = 0;
    assert_string_equal(buf, "{\"code\":1,\"message\":\"Session ID unknown\"}");
    assert_string_equal(eio_err_message(EIO_ERR_TRANSPORT), "Transport unknown");
    assert_string_equal(eio_err_message(EIO_ERR_METHOD), "Bad handshake method");
    assert_string_equal(eio_err_message(EIO_ERR_BAD), "Bad request");
    assert_string_equal(eio_err_message(EIO_ERR_VERSION), "Unsupported protocol version");
    uint8_t r[15];
    for (int i = 0; i < 15; i++)
        r[i] = (uint8_t)(i * 17 + 250);
    char sid[EIO_SID_LEN + 1];
    eio_make_sid(r, sid);
    assert_int_equal(strlen(sid), EIO_SID_LEN);
    assert_true(eio_sid_valid(sid));
}

/* ---- the session, through its hooks ---- */

static struct {
    int outputs, probe_failed, closed, why;
    char msgs[8][64];
    int n_msgs, binaries_ok, fail_msg;
} H;

static int h_message(eio_sess_t *s, const uint8_t *p, size_t n)
{
    (void)s;
    if (H.n_msgs < 8) snprintf(H.msgs[H.n_msgs++], 64, "%.*s", (int)n, (const char *)p);
    return H.fail_msg ? -1 : 0;
}
static int h_binary(eio_sess_t *s)
{
    (void)s;
    return H.binaries_ok > 0 ? (H.binaries_ok--, 0) : -1;
}
static void h_output(eio_sess_t *s)
{
    (void)s;
    H.outputs++;
}
static void h_probe_failed(eio_sess_t *s)
{
    (void)s;
    H.probe_failed++;
}
static void h_closed(eio_sess_t *s, eio_reason_t why)
{
    (void)s;
    H.closed++;
    H.why = why;
}
static const eio_hooks_t hooks = {h_message, h_binary, h_output, h_probe_failed, h_closed};
static const eio_limits_t lim = {1000, 500, 2000};
static eio_sess_t S;

static void open_session(eio_transport_t tr)
{
    memset(&H, 0, sizeof H);
    eio_sess_open(&S, "abcdefghijklmnopqrst", tr, 4096, &hooks, &lim, NULL, 100);
}

/* The queued packets, joined as a polling response joins them. */
static const char *drain(void)
{
    static char buf[1024];
    size_t o = 0, n;
    const uint8_t *p;
    while ((p = eio_sess_peek(&S, &n))) {
        if (o) buf[o++] = EIO_SEP;
        memcpy(buf + o, p, n);
        o += n;
        eio_sess_pop(&S);
    }
    buf[o] = 0;
    return buf;
}

static void test_polling_session(void **st)
{
    (void)st;
    open_session(EIO_TR_POLLING);
    assert_true(eio_sess_has_output(&S));
    const char *open = drain();
    assert_int_equal(open[0], '0');
    assert_non_null(strstr(open, "\"upgrades\":[\"websocket\"]"));
    assert_false(eio_sess_has_output(&S));

    /* A GET parks; a POST with batched packets reaches the message hook in order. */
    assert_int_equal(eio_sess_get(&S), 0);
    assert_int_equal(eio_sess_post(&S, U("40\x1e"
                                         "42[\"x\"]")),
                     0);
    assert_int_equal(H.n_msgs, 2);
    assert_string_equal(H.msgs[0], "0");
    assert_string_equal(H.msgs[1], "2[\"x\"]");
    /* Output wakes the glue. */
    int before = H.outputs;
    assert_int_equal(eio_sess_send(&S, EIO_MESSAGE, "2[\"y\"]", 6), 0);
    assert_int_equal(H.outputs, before + 1);
    assert_string_equal(drain(), "42[\"y\"]");
    eio_sess_get_done(&S);

    /* Ping after the interval, pong clears it, no pong closes. */
    assert_int_equal(eio_sess_get(&S), 0);
    eio_sess_tick(&S, 1099);
    assert_false(eio_sess_has_output(&S));
    eio_sess_tick(&S, 1100);
    assert_string_equal(drain(), "2");
    eio_sess_get_done(&S);
    assert_int_equal(eio_sess_post(&S, U("3")), 0);
    eio_sess_tick(&S, 1700); /* past the old pong deadline: answered, so nothing */
    assert_int_equal(H.closed, 0);
    eio_sess_tick(&S, 2100);
    assert_string_equal(drain(), "2");
    eio_sess_tick(&S, 2599);
    assert_int_equal(H.closed, 0);
    eio_sess_tick(&S, 2600);
    assert_int_equal(H.closed, 1);
    assert_int_equal(H.why, EIO_REASON_PING);
    assert_int_equal(S.state, EIO_ST_CLOSED);
}

static void test_overlap_and_errors(void **st)
{
    (void)st;
    open_session(EIO_TR_POLLING);
    drain();
    assert_int_equal(eio_sess_get(&S), 0);
    assert_int_equal(eio_sess_get(&S), -1); /* a second concurrent GET closes the session */
    assert_int_equal(H.closed, 1);
    assert_int_equal(H.why, EIO_REASON_OVERLAP);

    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post_begin(&S), 0);
    assert_int_equal(eio_sess_post_begin(&S), -1); /* and so does a second POST */
    assert_int_equal(H.why, EIO_REASON_OVERLAP);

    /* A malformed payload is refused whole, before any packet of it is acted on. */
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post(&S, U("40\x1e"
                                         "9zz")),
                     -1);
    assert_int_equal(H.n_msgs, 0);
    assert_int_equal(H.why, EIO_REASON_PARSE);
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post(&S, U("")), -1);
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post(&S, U("0{}")), -1); /* an open packet from the client */
    /* Binary: refused unless the upper layer expects an attachment. */
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post(&S, U("bAQID")), -1);
    open_session(EIO_TR_POLLING);
    H.binaries_ok = 1;
    assert_int_equal(eio_sess_post(&S, U("bAQID\x1e"
                                         "3")),
                     0);
    assert_int_equal(H.closed, 0);
    /* The upper layer's verdict closes too. */
    H.fail_msg = 1;
    assert_int_equal(eio_sess_post(&S, U("4junk")), -1);
    assert_int_equal(H.why, EIO_REASON_PARSE);
    /* A client close packet. */
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_post(&S, U("1")), -1);
    assert_int_equal(H.why, EIO_REASON_CLIENT);
    assert_int_equal(H.closed, 1);
    eio_sess_close(&S, EIO_REASON_SERVER); /* only once */
    assert_int_equal(H.closed, 1);
}

static void test_upgrade(void **st)
{
    (void)st;
    open_session(EIO_TR_POLLING);
    drain();
    assert_int_equal(eio_sess_get(&S), 0);
    assert_int_equal(eio_sess_probe_begin(&S), 0);
    assert_int_equal(eio_sess_probe_begin(&S), EIO_ERR_BAD); /* one probe at a time */
    /* Nothing but 2probe, then 5, on the probe. */
    assert_int_equal(eio_sess_ws_packet(&S, 1, 0, U("2probe")), EIO_WS_PROBE_REPLY);
    assert_true(eio_sess_take_noop(&S)); /* the parked GET returns with a noop */
    assert_false(eio_sess_take_noop(&S));
    eio_sess_get_done(&S);
    /* Events keep going to polling until the upgrade completes. */
    eio_sess_send(&S, EIO_MESSAGE, "2[\"e\"]", 6);
    assert_int_equal(S.transport, EIO_TR_POLLING);
    assert_int_equal(eio_sess_ws_packet(&S, 1, 0, U("5")), EIO_WS_UPGRADED);
    assert_int_equal(S.transport, EIO_TR_WEBSOCKET);
    assert_false(eio_sess_take_noop(&S)); /* no GET parked at the switch */
    assert_string_equal(drain(), "42[\"e\"]");
    /* Polling is over for this session. */
    assert_int_equal(eio_sess_get(&S), EIO_ERR_BAD);
    assert_int_equal(eio_sess_post(&S, U("3")), EIO_ERR_BAD);
    assert_int_equal(eio_sess_ws_packet(&S, 0, 0, U("42[\"z\"]")), EIO_WS_OK);
    assert_string_equal(H.msgs[0], "2[\"z\"]");
    /* Its WebSocket closing ends the session as a transport loss. */
    eio_sess_transport_gone(&S, 0);
    assert_int_equal(H.why, EIO_REASON_TRANSPORT);

    /* A probe that never completes times out; the session stays on polling. */
    open_session(EIO_TR_POLLING);
    assert_int_equal(eio_sess_probe_begin(&S), 0);
    eio_sess_tick(&S, 100 + 1999);
    assert_int_equal(H.probe_failed, 0);
    eio_sess_tick(&S, 100 + 2000);
    assert_int_equal(H.probe_failed, 1);
    assert_int_equal(S.transport, EIO_TR_POLLING);
    assert_int_equal(H.closed, 0);
    /* A probe saying something else fails only the probe. */
    assert_int_equal(eio_sess_probe_begin(&S), 0);
    assert_int_equal(eio_sess_ws_packet(&S, 1, 0, U("42[]")), EIO_WS_PROBE_BAD);
    assert_int_equal(H.probe_failed, 2);
    assert_int_equal(H.closed, 0);
    /* 5 before 2probe is a broken probe too. */
    assert_int_equal(eio_sess_probe_begin(&S), 0);
    assert_int_equal(eio_sess_ws_packet(&S, 1, 0, U("5")), EIO_WS_PROBE_BAD);
    /* The probe connection closing just ends the probe. */
    assert_int_equal(eio_sess_probe_begin(&S), 0);
    eio_sess_transport_gone(&S, 1);
    assert_int_equal(S.upgrade, EIO_UP_NONE);
    assert_int_equal(H.closed, 0);
}

static void test_websocket_session(void **st)
{
    (void)st;
    open_session(EIO_TR_WEBSOCKET);
    const char *open = drain();
    assert_non_null(strstr(open, "\"upgrades\":[]"));
    assert_int_equal(eio_sess_get(&S), EIO_ERR_BAD);
    assert_int_equal(eio_sess_probe_begin(&S), EIO_ERR_BAD);
    assert_int_equal(eio_sess_ws_packet(&S, 0, 0, U("40")), EIO_WS_OK);
    /* A binary frame nobody expects, or garbage, closes the session. */
    assert_int_equal(eio_sess_ws_packet(&S, 0, 1, U("x")), EIO_WS_CLOSED);
    assert_int_equal(H.why, EIO_REASON_PARSE);
    open_session(EIO_TR_WEBSOCKET);
    assert_int_equal(eio_sess_ws_packet(&S, 0, 0, U("")), EIO_WS_CLOSED);
    open_session(EIO_TR_WEBSOCKET);
    assert_int_equal(eio_sess_ws_packet(&S, 0, 0, U("5")), EIO_WS_CLOSED);
}

static void test_queue_limits(void **st)
{
    (void)st;
    open_session(EIO_TR_WEBSOCKET);
    drain();
    char big[EIO_TXQ_SIZE];
    memset(big, 'a', sizeof big);
    assert_int_equal(eio_sess_send(&S, EIO_MESSAGE, big, sizeof big - 3), 0);
    assert_int_equal(eio_sess_send(&S, EIO_MESSAGE, "x", 1), -1);
    size_t n;
    assert_non_null(eio_sess_peek(&S, &n));
    assert_int_equal(n, sizeof big - 2);
    eio_sess_pop(&S);
    for (int i = 0; i < 20; i++)
        assert_int_equal(eio_sess_send(&S, EIO_MESSAGE, "2[\"k\"]", 6), 0);
    for (int i = 0; i < 20; i++) {
        const uint8_t *p = eio_sess_peek(&S, &n);
        assert_non_null(p);
        assert_memory_equal(p, "42[\"k\"]", 7);
        eio_sess_pop(&S);
    }
    assert_null(eio_sess_peek(&S, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_parse),    cmocka_unit_test(test_payload),
        cmocka_unit_test(test_query),           cmocka_unit_test(test_render),
        cmocka_unit_test(test_polling_session), cmocka_unit_test(test_overlap_and_errors),
        cmocka_unit_test(test_upgrade),         cmocka_unit_test(test_websocket_session),
        cmocka_unit_test(test_queue_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
