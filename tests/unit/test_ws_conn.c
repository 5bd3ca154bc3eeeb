/* The connection state machine (RFC 6455 §5-§7) over a fake transport: message delivery
 * whole and streamed, on every split point of the input; pings, pongs and the close
 * handshake; the close-code table; UTF-8 failing fast; limits; back-pressure both ways;
 * keep-alive and timeouts; the send API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/ws/ws_close.h"
#include "app/ws/ws_conn.h"
#include "tests/unit/ws_test_util.h"

/* ---- a recording upper layer -------------------------------------------------------- */

typedef struct {
    uint8_t data[300000]; /* every message byte, concatenated */
    size_t len;
    int msgs;           /* complete messages */
    int pieces;         /* on_message calls that took something */
    size_t msg_len[64]; /* per complete message */
    uint8_t msg_type[64];
    uint8_t msg_whole[64]; /* delivered in one FIRST|LAST call */
    size_t cur;            /* bytes of the message in progress */
    int first_seen;
    int busy;        /* 1: refuse everything */
    size_t take_max; /* take at most this much per call (0: no limit) */
    int opened, closes;
    uint16_t close_code;
    int bad_flags; /* protocol of flags violated */
} rec_t;

static rec_t rec;
static fake_io_t io;
static ws_conn_t conn;

static int rec_message(ws_conn_t *c, unsigned flags, const uint8_t *p, size_t n)
{
    (void)c;
    if (rec.busy) return WS_BUSY;
    size_t k = n;
    if (rec.take_max && k > rec.take_max) k = rec.take_max;
    if ((flags & WS_MSG_FIRST) && rec.cur) rec.bad_flags++;
    if ((flags & WS_MSG_FIRST) && rec.first_seen) rec.bad_flags++;
    if (!(flags & WS_MSG_FIRST) && !rec.first_seen) rec.bad_flags++;
    rec.first_seen = 1;
    memcpy(rec.data + rec.len, p, k);
    rec.len += k;
    rec.cur += k;
    rec.pieces++;
    if ((flags & WS_MSG_LAST) && k == n) {
        if (rec.msgs < 64) {
            rec.msg_len[rec.msgs] = rec.cur;
            rec.msg_type[rec.msgs] = (uint8_t)(flags & WS_MSG_TYPE);
            rec.msg_whole[rec.msgs] = (flags & WS_MSG_FIRST) != 0;
        }
        rec.msgs++;
        rec.cur = 0;
        rec.first_seen = 0;
    }
    return (int)k;
}

static void rec_open(ws_conn_t *c)
{
    (void)c;
    rec.opened++;
}

static void rec_close(ws_conn_t *c, uint16_t code)
{
    (void)c;
    rec.closes++;
    rec.close_code = code;
}

static const ws_handler_t rec_handler = {rec_open, rec_message, NULL, rec_close};

static ws_limits_t lim;

static void open_conn(size_t window)
{
    memset(&rec, 0, sizeof(rec));
    fake_reset(&io, window);
    lim = ws_limits_default;
    ws_conn_open(&conn, &fake_io_ops, &io, &rec_handler, NULL, &lim, 1000);
}

static size_t feed(const uint8_t *p, size_t n)
{
    return ws_conn_on_bytes(&conn, p, n);
}

static void feed_all(const uint8_t *p, size_t n)
{
    assert_int_equal(feed(p, n), n);
}

/* ---- building client streams ---------------------------------------------------------- */

static uint8_t stream[600000];
static uint8_t payload[140000];

static void fill_payload(void)
{
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)('a' + i % 26);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_sizeof(void **state)
{
    (void)state;
    printf("sizeof(ws_conn_t) = %zu bytes (WS_RX_BUF %d)\n", sizeof(ws_conn_t), WS_RX_BUF);
    assert_true(sizeof(ws_conn_t) <= 1024);
}

/* A stream with all kinds of frames, fed at every split point: same messages, same
 * output. */
static void test_every_split_point(void **state)
{
    (void)state;
    fill_payload();
    size_t n = 0;
    n += cframe(stream + n, 0x81, "Hello", 5);
    n += cframe(stream + n, 0x89, "ping-1", 6);
    n += cframe(stream + n, 0x01, "frag", 4);
    n += cframe(stream + n, 0x89, "", 0);
    n += cframe(stream + n, 0x8A, "unsolicited", 11);
    n += cframe(stream + n, 0x00, "\xce\xba\xe1", 3); /* a character split across frames */
    n += cframe(stream + n, 0x80, "\xbd\xb9", 2);
    n += cframe(stream + n, 0x82, "", 0);
    n += cframe(stream + n, 0x82, payload, 1500); /* streamed: larger than WS_RX_BUF */
    n += cframe(stream + n, 0x02, payload, 600);
    n += cframe(stream + n, 0x89, "mid", 3);
    n += cframe(stream + n, 0x80, payload + 600, 10);
    n += cframe(stream + n, 0x81, payload, WS_RX_BUF); /* exactly the buffer: whole */
    n += cframe(stream + n, 0x88,
                "\x03\xe8"
                "bye",
                5);
    n += cframe(stream + n, 0x81, "after close", 11); /* never delivered */

    static uint8_t ref_out[8192];
    size_t ref_len;
    rec_t ref;
    open_conn(1 << 20);
    feed_all(stream, n);
    assert_int_equal(rec.msgs, 6);
    assert_int_equal(rec.bad_flags, 0);
    assert_int_equal(io.closed, 1);
    assert_int_equal(rec.closes, 1);
    assert_int_equal(rec.close_code, 1000);
    assert_int_equal(rec.msg_len[0], 5);
    assert_int_equal(rec.msg_len[1], 9);
    assert_int_equal(rec.msg_len[2], 0);
    assert_int_equal(rec.msg_len[3], 1500);
    assert_int_equal(rec.msg_len[4], 610);
    assert_int_equal(rec.msg_len[5], WS_RX_BUF);
    assert_true(rec.msg_whole[0] && rec.msg_whole[1] && rec.msg_whole[2] && rec.msg_whole[5]);
    assert_false(rec.msg_whole[3]);
    assert_false(rec.msg_whole[4]);
    assert_int_equal(rec.msg_type[3], WS_OP_BINARY);
    assert_int_equal(rec.msg_type[1], WS_OP_TEXT);
    /* output: three pongs with their payloads, then the close echoing 1000 */
    size_t pos = 0;
    sframe_t f;
    const char *pongs[] = {"ping-1", "", "mid"};
    for (int i = 0; i < 3; i++) {
        assert_true(sframe_next(io.out, io.len, &pos, &f));
        assert_int_equal(f.op, WS_OP_PONG);
        assert_false(f.masked);
        assert_int_equal(f.len, strlen(pongs[i]));
        assert_memory_equal(f.payload, pongs[i], f.len);
    }
    assert_true(sframe_next(io.out, io.len, &pos, &f));
    assert_int_equal(f.op, WS_OP_CLOSE);
    assert_int_equal(f.len, 2);
    assert_int_equal(f.payload[0] << 8 | f.payload[1], 1000);
    assert_int_equal(pos, io.len);
    memcpy(ref_out, io.out, io.len);
    ref_len = io.len;
    memcpy(&ref, &rec, sizeof(rec));

    for (size_t cut = 0; cut <= n; cut++) {
        open_conn(1 << 20);
        feed_all(stream, cut);
        feed_all(stream + cut, n - cut);
        if (rec.msgs != ref.msgs || rec.len != ref.len || memcmp(rec.data, ref.data, rec.len) ||
            memcmp(rec.msg_len, ref.msg_len, sizeof(rec.msg_len)) ||
            memcmp(rec.msg_whole, ref.msg_whole, sizeof(rec.msg_whole)) || rec.bad_flags ||
            io.len != ref_len || memcmp(io.out, ref_out, ref_len) || io.closed != 1)
            fail_msg("split at %zu differs", cut);
    }
    open_conn(1 << 20);
    for (size_t i = 0; i < n; i++)
        feed_all(stream + i, 1);
    assert_int_equal(rec.len, ref.len);
    assert_memory_equal(rec.data, ref.data, rec.len);
    assert_int_equal(io.len, ref_len);
    assert_memory_equal(io.out, ref_out, ref_len);
}

/* §5.5.1 / §7.4: every code from 0 to 65535. */
static void test_close_code_table(void **state)
{
    (void)state;
    for (uint32_t code = 0; code <= 0xFFFF; code++) {
        bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                     (code >= 3000 && code <= 4999);
        assert_int_equal(ws_close_code_valid((uint16_t)code), valid);
    }
    uint16_t peer;
    assert_int_equal(ws_close_check(NULL, 0, &peer), 0);
    assert_int_equal(peer, 1005);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03", 1, &peer), 1002);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03\xe8", 2, &peer), 0);
    assert_int_equal(peer, 1000);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03\xe8\xce\xba", 4, &peer), 0);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03\xe8\xce", 3, &peer), 1007);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03\xe8\xed\xa0\x80", 5, &peer), 1007);
    assert_int_equal(ws_close_check((const uint8_t *)"\x03\xed", 2, &peer), 1002); /* 1005 */
    assert_int_equal(ws_close_check((const uint8_t *)"\x0b\xb8", 2, &peer), 0);    /* 3000 */
}

static void close_with(const void *p, size_t n, unsigned want_code)
{
    uint8_t buf[200];
    open_conn(1 << 16);
    size_t k = cframe(buf, 0x88, p, n);
    feed_all(buf, k);
    if (sclose_code(io.out, io.len) != want_code)
        fail_msg("close payload of %zu bytes: answered %u, want %u", n, sclose_code(io.out, io.len),
                 want_code);
}

static void test_close_handshake_answers(void **state)
{
    (void)state;
    const uint16_t echo[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                             1010, 1011, 3000, 3999, 4000, 4999};
    for (size_t i = 0; i < sizeof(echo) / sizeof(echo[0]); i++) {
        uint8_t p[2] = {(uint8_t)(echo[i] >> 8), (uint8_t)echo[i]};
        close_with(p, 2, echo[i]);
        assert_int_equal(io.closed, 1); /* closed TCP right after the answer */
        assert_int_equal(rec.close_code, echo[i]);
        assert_int_equal(ws_conn_state(&conn), WS_ST_CLOSED);
    }
    const uint16_t refused[] = {0,    999,  1004, 1005, 1006, 1012, 1013,
                                1014, 1015, 1016, 2000, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        uint8_t p[2] = {(uint8_t)(refused[i] >> 8), (uint8_t)refused[i]};
        close_with(p, 2, 1002);
    }
    close_with("", 0, 1005); /* empty close answered with an empty close */
    assert_int_equal(io.closed, 1);
    close_with("\x03", 1, 1002);
    close_with("\x03\xe8"
               "fine reason \xce\xba",
               16, 1000);
    close_with("\x03\xe8"
               "bad \xff reason",
               14, 1007);
    close_with("\x03\xe8"
               "cut \xe2\x82",
               8, 1007);
    uint8_t long_reason[125] = {0x03, 0xe8};
    memset(long_reason + 2, 'r', 123);
    close_with(long_reason, 125, 1000);
}

/* A protocol error that loses framing: close 1002, then TCP closed at once (the peer's answer
 * could not be recognised). An error that keeps framing (1007) waits for the peer's close,
 * and cuts the peer off after the close timeout if it never comes. */
static void test_protocol_error_then_peer_close(void **state)
{
    (void)state;
    uint8_t buf[64];
    open_conn(1 << 16);
    size_t n = cframe(buf, 0xC1, "x", 1); /* RSV1 */
    feed_all(buf, n);
    assert_int_equal(sclose_code(io.out, io.len), 1002);
    assert_int_equal(io.closed, 1);
    assert_int_equal(ws_conn_state(&conn), WS_ST_CLOSED);
    feed_all((const uint8_t *)"garbage", 7); /* swallowed */
    assert_int_equal(rec.closes, 1);
    assert_int_equal(rec.close_code, 1002);

    open_conn(1 << 16);
    n = cframe(buf, 0x81, "\xff", 1);
    feed_all(buf, n);
    assert_int_equal(sclose_code(io.out, io.len), 1007);
    assert_int_equal(io.closed, 0);
    assert_int_equal(ws_conn_state(&conn), WS_ST_CLOSING);
    n = cframe(buf, 0x82, "ignored", 7);
    feed_all(buf, n);
    assert_int_equal(rec.msgs, 0);
    ws_conn_tick(&conn, 1000 + WS_CLOSE_TIMEOUT_MS - 1);
    assert_int_equal(io.closed, 0);
    ws_conn_tick(&conn, 1000 + WS_CLOSE_TIMEOUT_MS);
    assert_int_equal(io.closed, 1);
    assert_int_equal(rec.closes, 1);
    assert_int_equal(rec.close_code, 1007);

    /* 1009 keeps framing: the peer's close after the refused frame is seen at once */
    open_conn(1 << 16);
    lim.msg_max = 100;
    ws_conn_open(&conn, &fake_io_ops, &io, &rec_handler, NULL, &lim, 1000);
    fill_payload();
    n = cframe(stream, 0x82, payload, 101);
    n += cframe(stream + n, 0x81, "ignored", 7);
    n += cframe(stream + n, 0x89, "ignored", 7);
    n += cframe(stream + n, 0x88, "\x03\xf1", 2);
    feed_all(stream, n);
    assert_int_equal(sclose_code(io.out, io.len), 1009);
    assert_int_equal(io.closed, 1);
    assert_int_equal(rec.msgs, 0);
    size_t pos = 0;
    sframe_t f;
    int frames = 0;
    while (sframe_next(io.out, io.len, &pos, &f))
        frames++;
    assert_int_equal(frames, 1); /* no pong after our close */
}

static void test_utf8_fails_fast(void **state)
{
    (void)state;
    /* The bad byte is in the first fragment of a message that never ends: 1007 at once. */
    uint8_t buf[64];
    open_conn(1 << 16);
    size_t n = cframe(buf, 0x01, "ok\xc0\xaf", 4);
    feed_all(buf, n);
    assert_int_equal(sclose_code(io.out, io.len), 1007);
    assert_int_equal(rec.pieces, 0);
    /* and within a single frame, before its end arrives */
    open_conn(1 << 16);
    fill_payload();
    payload[5] = 0xFF;
    n = cframe(stream, 0x81, payload, 1000);
    feed_all(stream, 20);
    assert_int_equal(sclose_code(io.out, io.len), 1007);
    payload[5] = 'f';
    /* a character cut by the end of the message */
    open_conn(1 << 16);
    n = cframe(buf, 0x01, "a\xe2", 2);
    n += cframe(buf + n, 0x80, "\x82", 1);
    feed_all(buf, n);
    assert_int_equal(sclose_code(io.out, io.len), 1007);
    /* the same character completed in the next fragment is fine */
    open_conn(1 << 16);
    n = cframe(buf, 0x01, "a\xe2", 2);
    n += cframe(buf + n, 0x80, "\x82\xac", 2);
    feed_all(buf, n);
    assert_int_equal(io.len, 0);
    assert_int_equal(rec.msgs, 1);
    assert_memory_equal(rec.data, "a\xe2\x82\xac", 4);
    /* invalid at a fragment border */
    open_conn(1 << 16);
    n = cframe(buf, 0x01, "\xce", 1);
    n += cframe(buf + n, 0x80, "a", 1);
    feed_all(buf, n);
    assert_int_equal(sclose_code(io.out, io.len), 1007);
    /* binary is not checked */
    open_conn(1 << 16);
    n = cframe(buf, 0x82, "\xff\xfe", 2);
    feed_all(buf, n);
    assert_int_equal(rec.msgs, 1);
    assert_int_equal(io.len, 0);
}

static void test_message_limit(void **state)
{
    (void)state;
    fill_payload();
    open_conn(1 << 20);
    size_t n = cframe(stream, 0x82, payload, 65536);
    feed_all(stream, n);
    assert_int_equal(rec.msgs, 1);
    assert_int_equal(rec.msg_len[0], 65536);
    assert_int_equal(io.len, 0);
    open_conn(1 << 20);
    n = cframe(stream, 0x81, payload, 65537);
    assert_int_equal(feed(stream, 10), 10); /* refused as soon as the length is read */
    assert_int_equal(sclose_code(io.out, io.len), 1009);
    /* the same over fragments: 64 KiB in 1-byte frames passes, one more byte is refused */
    open_conn(1 << 20);
    n = 0;
    for (size_t i = 0; i < 65536; i++)
        n += cframe(stream + n, i == 0 ? 0x02 : 0x00, payload + i, 1);
    n += cframe(stream + n, 0x80, "", 0);
    feed_all(stream, n);
    assert_int_equal(rec.msgs, 1);
    assert_int_equal(rec.msg_len[0], 65536);
    assert_memory_equal(rec.data, payload, 65536);
    n = cframe(stream, 0x02, payload, 65536);
    n += cframe(stream + n, 0x80, "x", 1);
    feed_all(stream, n);
    assert_int_equal(sclose_code(io.out, io.len), 1009);
}

/* The upper layer refuses: input stops being consumed, resumes on on_writable. */
static void test_backpressure_upper_layer(void **state)
{
    (void)state;
    uint8_t buf[256];
    open_conn(1 << 16);
    size_t n = cframe(buf, 0x81, "one", 3);
    size_t first = n;
    n += cframe(buf + n, 0x81, "two", 3);
    rec.busy = 1;
    size_t used = feed(buf, n);
    assert_int_equal(used, first); /* the first message is held, the second not read */
    assert_false(ws_conn_rx_ready(&conn));
    assert_int_equal(feed(buf + used, n - used), 0);
    rec.busy = 0;
    ws_conn_on_writable(&conn);
    assert_int_equal(rec.msgs, 1);
    assert_true(ws_conn_rx_ready(&conn));
    feed_all(buf + used, n - used);
    assert_int_equal(rec.msgs, 2);
    assert_memory_equal(rec.data, "onetwo", 6);

    /* partial takes: a whole message taken 2 bytes at a time arrives intact */
    open_conn(1 << 16);
    rec.take_max = 2;
    n = cframe(buf, 0x81, "abcdefg", 7);
    used = feed(buf, n);
    assert_int_equal(used, n); /* every byte is in rx_buf: all consumed */
    for (int i = 0; i < 5; i++)
        ws_conn_on_writable(&conn);
    assert_int_equal(rec.msgs, 1);
    assert_memory_equal(rec.data, "abcdefg", 7);
    assert_int_equal(rec.bad_flags, 0);

    /* a streamed message under a slow consumer */
    fill_payload();
    open_conn(1 << 16);
    rec.take_max = 100;
    n = cframe(stream, 0x82, payload, 5000);
    size_t off = 0;
    for (int round = 0; round < 1000 && off < n; round++) {
        off += feed(stream + off, n - off);
        ws_conn_on_writable(&conn);
    }
    for (int i = 0; i < 20; i++)
        ws_conn_on_writable(&conn);
    assert_int_equal(off, n);
    assert_int_equal(rec.msgs, 1);
    assert_int_equal(rec.len, 5000);
    assert_memory_equal(rec.data, payload, 5000);
}

/* Output full: a ping's pong waits, input stops behind it, then both resume. */
static void test_backpressure_output(void **state)
{
    (void)state;
    uint8_t buf[256];
    open_conn(4); /* room for 4 bytes only */
    size_t n = cframe(buf, 0x89, "12345", 5);
    size_t first = n;
    n += cframe(buf + n, 0x81, "after", 5);
    size_t used = feed(buf, n);
    assert_int_equal(used, first);
    assert_int_equal(io.len, 0);
    assert_int_equal(ws_conn_tx_pending(&conn), 7);
    assert_int_equal(ws_conn_tx_space(&conn), 0);
    io.window = 64;
    ws_conn_on_writable(&conn);
    size_t pos = 0;
    sframe_t f;
    assert_true(sframe_next(io.out, io.len, &pos, &f));
    assert_int_equal(f.op, WS_OP_PONG);
    assert_memory_equal(f.payload, "12345", 5);
    feed_all(buf + used, n - used);
    assert_int_equal(rec.msgs, 1);
}

static void test_keepalive_and_dead_peer(void **state)
{
    (void)state;
    open_conn(1 << 16);
    lim.ping_interval_ms = 100;
    lim.peer_timeout_ms = 250;
    ws_conn_tick(&conn, 999); /* a clock reading older than the open stamp is not "ages" */
    assert_int_equal(io.closed, 0);
    assert_int_equal(io.len, 0);
    ws_conn_tick(&conn, 1099);
    assert_int_equal(io.len, 0);
    ws_conn_tick(&conn, 1100);
    size_t pos = 0;
    sframe_t f;
    assert_true(sframe_next(io.out, io.len, &pos, &f));
    assert_int_equal(f.op, WS_OP_PING);
    ws_conn_tick(&conn, 1150); /* one ping per interval */
    assert_int_equal(pos, io.len);
    /* the pong (any byte) keeps it alive */
    uint8_t buf[16];
    size_t n = cframe(buf, 0x8A, "", 0);
    feed_all(buf, n);
    ws_conn_tick(&conn, 1300);
    assert_int_equal(io.closed, 0);
    ws_conn_tick(&conn, 1399);
    assert_int_equal(io.closed, 0);
    ws_conn_tick(&conn, 1400); /* 250 ms after the last byte (tick 1150) */
    assert_int_equal(io.closed, 1);
    assert_int_equal(rec.close_code, 1006);
    assert_int_equal(sclose_code(io.out, io.len), 0); /* no close frame for a dead peer */
}

/* Our own close: the peer's answer completes it; silence is cut off after the timeout. */
static void test_server_close(void **state)
{
    (void)state;
    uint8_t buf[64];
    open_conn(1 << 16);
    ws_conn_close(&conn, 1001);
    assert_int_equal(sclose_code(io.out, io.len), 1001);
    assert_int_equal(ws_conn_send(&conn, WS_OP_TEXT, "x", 1), WS_ERR_CLOSED);
    size_t n = cframe(buf, 0x81, "late", 4); /* data after our close: not delivered */
    n += cframe(buf + n, 0x88, "\x03\xe9", 2);
    feed_all(buf, n);
    assert_int_equal(rec.msgs, 0);
    assert_int_equal(io.closed, 1);
    assert_int_equal(rec.close_code, 1001);
    open_conn(1 << 16);
    ws_conn_close(&conn, 1000);
    ws_conn_tick(&conn, 1000 + WS_CLOSE_TIMEOUT_MS);
    assert_int_equal(io.closed, 1);
    /* TCP dropped by the peer */
    open_conn(1 << 16);
    ws_conn_on_tcp_closed(&conn);
    assert_int_equal(rec.close_code, 1006);
    assert_int_equal(io.closed, 0);
    assert_int_equal(feed((const uint8_t *)"x", 1), 1);
}

static void test_send_api(void **state)
{
    (void)state;
    fill_payload();
    open_conn(1 << 20);
    assert_int_equal(ws_conn_send(&conn, WS_OP_CONT, "x", 1), WS_ERR_SEQ);
    assert_int_equal(ws_conn_send(&conn, WS_OP_PING, "x", 1), WS_ERR_SEQ);
    assert_int_equal(ws_conn_send_frame(&conn, WS_OP_TEXT, false, "ab", 2), 0);
    assert_int_equal(ws_conn_send(&conn, WS_OP_TEXT, "x", 1), WS_ERR_SEQ);
    assert_int_equal(ws_conn_send_frame(&conn, WS_OP_BINARY, false, "x", 1), WS_ERR_SEQ);
    /* a ping arriving between our fragments is answered between them */
    uint8_t buf[32];
    size_t n = cframe(buf, 0x89, "p", 1);
    feed_all(buf, n);
    assert_int_equal(ws_conn_send_frame(&conn, WS_OP_CONT, true, "cd", 2), 0);
    /* a frame written in pieces; a ping that arrives meanwhile waits for its end */
    assert_int_equal(ws_conn_frame_begin(&conn, WS_OP_BINARY, true, 70000), 0);
    assert_int_equal(ws_conn_frame_write(&conn, payload, 30000), 30000);
    feed_all(buf, n);
    assert_int_equal(ws_conn_tx_pending(&conn), 40000 + 3);
    assert_int_equal(ws_conn_send(&conn, WS_OP_TEXT, "x", 1), WS_ERR_SEQ);
    assert_int_equal(ws_conn_tx_space(&conn), 0);
    assert_int_equal(ws_conn_frame_write(&conn, payload + 30000, 50000), 40000);
    assert_int_equal(ws_conn_tx_pending(&conn), 0);
    size_t pos = 0;
    sframe_t f;
    const uint8_t want_op[] = {WS_OP_TEXT, WS_OP_PONG, WS_OP_CONT, WS_OP_BINARY, WS_OP_PONG};
    const bool want_fin[] = {false, true, true, true, true};
    for (int i = 0; i < 5; i++) {
        assert_true(sframe_next(io.out, io.len, &pos, &f));
        assert_int_equal(f.op, want_op[i]);
        assert_int_equal(f.fin, want_fin[i]);
        assert_false(f.masked);
        assert_int_equal(f.rsv, 0);
    }
    assert_int_equal(f.len, 1);
    assert_int_equal(pos, io.len);
}

/* tx_space is the largest payload whose frame fits, around each header size change. */
static void test_tx_space(void **state)
{
    (void)state;
    for (size_t w = 0; w < 70000; w += (w < 200 || (w > 65500 && w < 65600)) ? 1 : 97) {
        open_conn(w);
        size_t s = ws_conn_tx_space(&conn);
        if (w >= 2) {
            assert_true(s + ws_frame_header_len(s) <= w);
            assert_true(s + 1 + ws_frame_header_len(s + 1) > w);
        } else {
            assert_int_equal(s, 0);
        }
    }
    open_conn(100);
    assert_int_equal(ws_conn_send(&conn, WS_OP_BINARY, payload, 99), WS_BUSY);
    assert_int_equal(ws_conn_send(&conn, WS_OP_BINARY, payload, 98), 0);
    assert_int_equal(io.len, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizeof),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_close_code_table),
        cmocka_unit_test(test_close_handshake_answers),
        cmocka_unit_test(test_protocol_error_then_peer_close),
        cmocka_unit_test(test_utf8_fails_fast),
        cmocka_unit_test(test_message_limit),
        cmocka_unit_test(test_backpressure_upper_layer),
        cmocka_unit_test(test_backpressure_output),
        cmocka_unit_test(test_keepalive_and_dead_peer),
        cmocka_unit_test(test_server_close),
        cmocka_unit_test(test_send_api),
        cmocka_unit_test(test_tx_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
