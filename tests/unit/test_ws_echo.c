/* The /ws/test echo endpoint over a fake transport (whole and streamed messages, escaping,
 * a tiny send window) and the JSON validity checker it relies on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/ws_echo.h"
#include "app/util/json_check.h"
#include "tests/unit/ws_test_util.h"

static fake_io_t io;
static ws_conn_t conn;
static uint8_t wire[1 << 20]; /* what reached the client */
static size_t wire_len;

/* Moves written bytes "onto the wire", freeing the window, and tells the connection. */
static void pump(void)
{
    memcpy(wire + wire_len, io.out, io.len);
    wire_len += io.len;
    io.len = 0;
    ws_conn_on_writable(&conn);
}

static void start(size_t window)
{
    fake_reset(&io, window);
    wire_len = 0;
    ws_conn_open(&conn, &fake_io_ops, &io, &ws_echo_handler, NULL, NULL, 0);
}

/* Client side: feeds all of in, pumping the wire whenever the connection holds back. */
static void send_all(const uint8_t *in, size_t n)
{
    size_t off = 0;
    for (int guard = 0; off < n || io.len; guard++) {
        assert_true(guard < 1000000);
        off += ws_conn_on_bytes(&conn, in + off, n - off);
        pump();
    }
    for (int i = 0; i < 4; i++)
        pump();
}

/* The server's messages in order, reassembled; checks framing on the way. */
typedef struct {
    int count;
    uint8_t type[16];
    size_t len[16];
    size_t off[16];
    int frames[16];
} msgs_t;

static uint8_t msgbuf[1 << 20];

static void read_messages(msgs_t *m)
{
    memset(m, 0, sizeof(*m));
    size_t pos = 0, out = 0;
    sframe_t f;
    int open = 0;
    while (sframe_next(wire, wire_len, &pos, &f)) {
        assert_false(f.masked);
        assert_int_equal(f.rsv, 0);
        if (f.op >= 8) continue;
        if (!open) {
            assert_true(f.op == WS_OP_TEXT || f.op == WS_OP_BINARY);
            m->type[m->count] = f.op;
            m->off[m->count] = out;
            open = 1;
        } else {
            assert_int_equal(f.op, WS_OP_CONT);
        }
        memcpy(msgbuf + out, f.payload, f.len);
        out += f.len;
        m->frames[m->count]++;
        if (f.fin) {
            m->len[m->count] = out - m->off[m->count];
            m->count++;
            open = 0;
        }
    }
    assert_int_equal(pos, wire_len);
    assert_int_equal(open, 0);
}

/* The data of an echo whose data is a JSON string, decoded here independently of the
 * server's escaper (only what a JSON string may contain). Returns its length, or -1 when the
 * message is not {"type":"echo","data":"..."} with a well-formed string. */
static uint8_t decoded[1 << 20];

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long decode_echo_string(const uint8_t *m, size_t n)
{
    static const char pre[] = "{\"type\":\"echo\",\"data\":\"";
    size_t pl = sizeof(pre) - 1;
    if (n < pl + 2 || memcmp(m, pre, pl) || memcmp(m + n - 2, "\"}", 2)) return -1;
    size_t out = 0;
    for (size_t i = pl; i < n - 2; i++) {
        uint8_t c = m[i];
        if (c < 0x20 || c == '"') return -1;
        if (c != '\\') {
            decoded[out++] = c;
            continue;
        }
        if (++i >= n - 2) return -1;
        switch (m[i]) {
        case '"':
            decoded[out++] = '"';
            break;
        case '\\':
            decoded[out++] = '\\';
            break;
        case '/':
            decoded[out++] = '/';
            break;
        case 'b':
            decoded[out++] = '\b';
            break;
        case 'f':
            decoded[out++] = '\f';
            break;
        case 'n':
            decoded[out++] = '\n';
            break;
        case 'r':
            decoded[out++] = '\r';
            break;
        case 't':
            decoded[out++] = '\t';
            break;
        case 'u': {
            if (i + 4 >= n - 2) return -1;
            int v = 0;
            for (int k = 1; k <= 4; k++) {
                int h = hexval(m[i + (size_t)k]);
                if (h < 0) return -1;
                v = v * 16 + h;
            }
            if (v >= 0x80) return -1; /* the escaper only needs \u00XX for control bytes */
            decoded[out++] = (uint8_t)v;
            i += 4;
            break;
        }
        default:
            return -1;
        }
    }
    return (long)out;
}

static void check_string_echo(const msgs_t *m, int i, const void *sent, size_t len)
{
    assert_int_equal(m->type[i], WS_OP_TEXT);
    long n = decode_echo_string(msgbuf + m->off[i], m->len[i]);
    if (n < 0)
        fail_msg("message %d is not a string echo: %.*s", i,
                 (int)(m->len[i] < 200 ? m->len[i] : 200), msgbuf + m->off[i]);
    assert_int_equal((size_t)n, len);
    assert_memory_equal(decoded, sent, len);
}

/* A whole JSON message is embedded as it is. */
static void check_json_echo(const msgs_t *m, int i, const char *sent)
{
    char want[1024];
    int n = snprintf(want, sizeof(want), "{\"type\":\"echo\",\"data\":%s}", sent);
    assert_int_equal(m->len[i], (size_t)n);
    assert_memory_equal(msgbuf + m->off[i], want, (size_t)n);
}

static uint8_t frames[600000];
static uint8_t data[140000];

static void test_hello_and_small_text(void **state)
{
    (void)state;
    start(1 << 16);
    pump();
    msgs_t m;
    read_messages(&m);
    assert_int_equal(m.count, 1);
    const char *hello = "{\"type\":\"connected\",\"message\":\"WebSocket test endpoint ready\"}";
    assert_int_equal(m.len[0], strlen(hello));
    assert_memory_equal(msgbuf, hello, strlen(hello));

    const char *texts[] = {"hello",
                           "",
                           "{\"a\":[1,2,{\"b\":null}]}",
                           " 42 ",
                           "[1,2",
                           "quote\" back\\slash \n\t\x01\x1f ctl",
                           "\xce\xba\xe1\xbd\xb9\xcf\x83"};
    size_t n = 0;
    for (size_t i = 0; i < 7; i++)
        n += cframe(frames + n, 0x81, texts[i], strlen(texts[i]));
    send_all(frames, n);
    read_messages(&m);
    assert_int_equal(m.count, 8);
    for (int i = 1; i < 8; i++) {
        assert_int_equal(m.frames[i], 1); /* small answers are single frames */
        const char *t = texts[i - 1];
        if (json_check(t, strlen(t)))
            check_json_echo(&m, i, t);
        else
            check_string_echo(&m, i, t, strlen(t));
    }
}

static void test_binary_echo_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 31 + (i >> 8));
    const size_t sizes[] = {0, 1, 125, 126, 511, 512, 513, 4096, 65535, 65536};
    for (size_t w = 0; w < 2; w++) {
        start(w ? 300 : 1 << 18); /* a generous window, then a tiny one */
        size_t n = 0;
        for (size_t s = 0; s < 10; s++)
            n += cframe(frames + n, 0x82, data, sizes[s]);
        send_all(frames, n);
        msgs_t m;
        read_messages(&m);
        assert_int_equal(m.count, 11);
        for (size_t s = 0; s < 10; s++) {
            assert_int_equal(m.type[s + 1], WS_OP_BINARY);
            assert_int_equal(m.len[s + 1], sizes[s]);
            assert_memory_equal(msgbuf + m.off[s + 1], data, sizes[s]);
        }
    }
}

static void test_large_text_streamed_as_string(void **state)
{
    (void)state;
    for (size_t w = 0; w < 2; w++) {
        start(w ? 200 : 1 << 18);
        static char text[70000];
        for (size_t i = 0; i < 65536; i++)
            text[i] = "ab\"c\\d\nef\x01gh"[i % 12];
        /* a JSON document larger than WS_RX_BUF: echoed as a string (documented) */
        static char doc[2000];
        size_t dl = 0;
        dl += (size_t)sprintf(doc + dl, "[");
        while (dl < 1500)
            dl += (size_t)sprintf(doc + dl, "%zu,", dl);
        dl += (size_t)sprintf(doc + dl, "0]");
        size_t n = cframe(frames, 0x81, text, 65536);
        /* the same again in 1-byte fragments */
        for (size_t i = 0; i < 3000; i++)
            n += cframe(frames + n, i == 0 ? 0x01 : (i == 2999 ? 0x80 : 0x00), text + i, 1);
        n += cframe(frames + n, 0x81, doc, dl);
        send_all(frames, n);
        msgs_t m;
        read_messages(&m);
        assert_int_equal(m.count, 4);
        assert_true(m.frames[1] > 1); /* streamed */
        const size_t lens[] = {65536, 3000, dl};
        const char *srcs[] = {text, text, doc};
        for (int i = 1; i < 4; i++)
            check_string_echo(&m, i, srcs[i - 1], lens[i - 1]);
    }
}

static void test_json_check(void **state)
{
    (void)state;
    const char *good[] = {"0",
                          "-0",
                          "1.5e-3",
                          "-12E+7",
                          "\"\"",
                          "\"\\u00e9\\n\"",
                          "true",
                          "false",
                          "null",
                          "[]",
                          "{}",
                          " [ 1 , [ ] , { } ] ",
                          "{\"a\":{\"b\":[true,false,null,\"x\"]},\"c\":-1}",
                          "\"\xce\xba\""};
    const char *bad[] = {"",         " ",     "01",   "1.",  ".5",      "-",        "1e",
                         "+1",       "[1,]",  "[,1]", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
                         "{a:1}",    "[1 2]", "tru",  "nul", "\"abc",   "\"\\x\"",  "\"\\u12g4\"",
                         "\"a\tb\"", "[1]]",  "{}{}", "1 2", "[",       "]",        "{\"a\":1]",
                         "[1}",      "NaN",   "'x'"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!json_check(good[i], strlen(good[i]))) fail_msg("refused: %s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (json_check(bad[i], strlen(bad[i]))) fail_msg("accepted: %s", bad[i]);
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    assert_true(json_check(deep, 128));
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    assert_false(json_check(deep, 130));
    assert_false(json_check("[1]\0", 4)); /* a NUL is not white space */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_and_small_text),
        cmocka_unit_test(test_binary_echo_sizes),
        cmocka_unit_test(test_large_text_streamed_as_string),
        cmocka_unit_test(test_json_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
