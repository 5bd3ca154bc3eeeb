/* The frame parser and encoder (RFC 6455 §5): the RFC's own examples (§5.7), every header
 * rule, the message size limit, each fed whole, byte by byte and split at every point (and
 * every pair of points); the error is reported at the byte that decides it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/ws/ws_frame.h"
#include "tests/unit/ws_test_util.h"

/* What the parser made of an input. */
typedef struct {
    int frames;
    uint8_t ops[64];
    uint8_t fins[64];
    uint8_t payload[70000];
    size_t payload_len;
    uint16_t err;
    size_t err_at; /* bytes consumed when the error was reported */
    size_t consumed;
    int state;
} trace_t;

static trace_t t_whole, t_split;

static void run(ws_parser_t *p, const uint8_t *in, size_t n, trace_t *t, size_t *base)
{
    size_t i = 0;
    for (;;) {
        if (p->state == WS_P_FRAME_END) {
            if (p->opcode != WS_P_SKIP_OP && t->frames < 64) {
                t->ops[t->frames] = p->opcode;
                t->fins[t->frames] = p->fin;
            }
            t->frames++;
            ws_parser_next(p);
            continue;
        }
        if (i == n || p->state == WS_P_BROKEN) break;
        if (p->state == WS_P_HEADER) {
            uint16_t err = 0;
            i += ws_parser_header(p, in + i, n - i, &err);
            if (err && !t->err) {
                t->err = err;
                t->err_at = *base + i;
            }
        } else {
            uint8_t *dst = p->opcode == WS_P_SKIP_OP ? NULL : t->payload + t->payload_len;
            size_t k = ws_parser_payload(p, in + i, n - i, dst);
            if (dst) t->payload_len += k;
            i += k;
        }
    }
    *base += i;
    t->consumed = *base;
    t->state = p->state;
}

static void parse_split(const uint8_t *in, size_t n, const size_t *cuts, size_t ncuts, trace_t *t,
                        uint32_t max)
{
    ws_parser_t p;
    ws_parser_init(&p, max);
    memset(t, 0, sizeof(*t));
    size_t base = 0, prev = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = c < ncuts ? cuts[c] : n;
        run(&p, in + prev, end - prev, t, &base);
        if (t->state == WS_P_BROKEN) break;
        prev = end;
    }
}

static void same_trace(const trace_t *a, const trace_t *b, const char *what)
{
    if (a->frames != b->frames || a->err != b->err || a->err_at != b->err_at ||
        a->payload_len != b->payload_len || memcmp(a->payload, b->payload, a->payload_len) ||
        memcmp(a->ops, b->ops, sizeof(a->ops)) || memcmp(a->fins, b->fins, sizeof(a->fins)))
        fail_msg("%s: split trace differs (frames %d/%d err %u@%zu / %u@%zu len %zu/%zu)", what,
                 a->frames, b->frames, a->err, a->err_at, b->err, b->err_at, a->payload_len,
                 b->payload_len);
}

/* Parses whole, byte by byte, at every single cut and (for short inputs) every pair of cuts;
 * all must agree. Leaves the whole-input trace in t_whole. */
static void check_all_splits(const uint8_t *in, size_t n, uint32_t max, const char *what)
{
    parse_split(in, n, NULL, 0, &t_whole, max);
    static size_t cuts[80000];
    for (size_t i = 0; i + 1 < n && i < 80000; i++)
        cuts[i] = i + 1;
    if (n > 1) {
        parse_split(in, n, cuts, n - 1, &t_split, max);
        same_trace(&t_whole, &t_split, what);
    }
    for (size_t a = 0; a <= n; a++) {
        size_t c1[1] = {a};
        parse_split(in, n, c1, 1, &t_split, max);
        same_trace(&t_whole, &t_split, what);
        if (n <= 40)
            for (size_t b = a; b <= n; b++) {
                size_t c2[2] = {a, b};
                parse_split(in, n, c2, 2, &t_split, max);
                same_trace(&t_whole, &t_split, what);
            }
    }
}

/* ---- RFC 6455 §5.7 examples ------------------------------------------------------------- */

static void test_rfc_masked_hello(void **state)
{
    (void)state;
    const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    check_all_splits(in, sizeof(in), 65536, "masked Hello");
    assert_int_equal(t_whole.err, 0);
    assert_int_equal(t_whole.frames, 1);
    assert_int_equal(t_whole.ops[0], WS_OP_TEXT);
    assert_int_equal(t_whole.fins[0], 1);
    assert_int_equal(t_whole.payload_len, 5);
    assert_memory_equal(t_whole.payload, "Hello", 5);
}

static void test_rfc_unmasked_refused(void **state)
{
    (void)state;
    /* The RFC's unmasked (server-style) frames are refused from a client: §5.1. */
    const uint8_t in[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    check_all_splits(in, sizeof(in), 65536, "unmasked");
    assert_int_equal(t_whole.err, WS_CLOSE_PROTOCOL);
    assert_int_equal(t_whole.err_at, 2);
    assert_int_equal(t_whole.state, WS_P_BROKEN);
}

static void test_rfc_fragmented_masked(void **state)
{
    (void)state;
    uint8_t in[64];
    size_t n = cframe(in, 0x01, "Hel", 3);
    n += cframe(in + n, 0x89, "ping", 4); /* a control frame inside the message */
    n += cframe(in + n, 0x80, "lo", 2);
    check_all_splits(in, n, 65536, "fragmented");
    assert_int_equal(t_whole.err, 0);
    assert_int_equal(t_whole.frames, 3);
    assert_int_equal(t_whole.ops[0], WS_OP_TEXT);
    assert_int_equal(t_whole.fins[0], 0);
    assert_int_equal(t_whole.ops[1], WS_OP_PING);
    assert_int_equal(t_whole.ops[2], WS_OP_CONT);
    assert_int_equal(t_whole.fins[2], 1);
    assert_memory_equal(t_whole.payload, "Helpinglo", 9);
}

static void test_rfc_ping_pong(void **state)
{
    (void)state;
    const uint8_t ping[] = {0x89, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    check_all_splits(ping, sizeof(ping), 65536, "ping");
    assert_int_equal(t_whole.ops[0], WS_OP_PING);
    assert_memory_equal(t_whole.payload, "Hello", 5);
    uint8_t pong[16];
    size_t n = cframe(pong, 0x8A, "Hello", 5);
    check_all_splits(pong, n, 65536, "pong");
    assert_int_equal(t_whole.ops[0], WS_OP_PONG);
}

static uint8_t big_in[70100];
static uint8_t big_payload[70000];

static void test_rfc_lengths_16_and_64_bit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(big_payload); i++)
        big_payload[i] = (uint8_t)(i * 7 + 3);
    const size_t sizes[] = {0, 1, 125, 126, 127, 256, 65535, 65536};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = cframe(big_in, 0x82, big_payload, sizes[s]);
        if (sizes[s] == 256) assert_memory_equal(big_in, ((uint8_t[]){0x82, 0xFE, 0x01, 0x00}), 4);
        if (sizes[s] == 65536)
            assert_memory_equal(big_in, ((uint8_t[]){0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0}), 10);
        parse_split(big_in, n, NULL, 0, &t_whole, 65536);
        assert_int_equal(t_whole.err, 0);
        assert_int_equal(t_whole.frames, 1);
        assert_int_equal(t_whole.payload_len, sizes[s]);
        assert_memory_equal(t_whole.payload, big_payload, sizes[s]);
        if (sizes[s] <= 256) check_all_splits(big_in, n, 65536, "lengths");
    }
}

/* ---- header rules ----------------------------------------------------------------------- */

typedef struct {
    const char *name;
    uint8_t in[16];
    size_t len;
    uint16_t err;
    size_t err_at;
} bad_t;

static const bad_t bad_headers[] = {
    {"RSV1", {0xC1, 0x80}, 2, 1002, 1},
    {"RSV2", {0xA1, 0x80}, 2, 1002, 1},
    {"RSV3", {0x91, 0x80}, 2, 1002, 1},
    {"RSV on ping", {0xF9, 0x80}, 2, 1002, 1},
    {"opcode 3", {0x83, 0x80}, 2, 1002, 1},
    {"opcode 4", {0x84, 0x80}, 2, 1002, 1},
    {"opcode 5", {0x85, 0x80}, 2, 1002, 1},
    {"opcode 6", {0x86, 0x80}, 2, 1002, 1},
    {"opcode 7", {0x87, 0x80}, 2, 1002, 1},
    {"opcode B", {0x8B, 0x80}, 2, 1002, 1},
    {"opcode C", {0x8C, 0x80}, 2, 1002, 1},
    {"opcode D", {0x8D, 0x80}, 2, 1002, 1},
    {"opcode E", {0x8E, 0x80}, 2, 1002, 1},
    {"opcode F", {0x8F, 0x80}, 2, 1002, 1},
    {"continuation without start", {0x80, 0x80, 1, 2, 3, 4}, 6, 1002, 1},
    {"unfinished continuation without start", {0x00, 0x80}, 2, 1002, 1},
    {"fragmented ping", {0x09, 0x80}, 2, 1002, 1},
    {"fragmented close", {0x08, 0x80}, 2, 1002, 1},
    {"fragmented pong", {0x0A, 0x80}, 2, 1002, 1},
    {"ping 126 bytes", {0x89, 0xFE, 0x00, 0x7E}, 4, 1002, 2},
    {"close 127-length", {0x88, 0xFF}, 2, 1002, 2},
    {"unmasked text", {0x81, 0x00}, 2, 1002, 2},
    {"unmasked ping", {0x89, 0x00}, 2, 1002, 2},
    {"16-bit length < 126", {0x82, 0xFE, 0x00, 0x7D}, 4, 1002, 4},
    {"64-bit length < 65536", {0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 10, 1002, 10},
    {"64-bit top bit", {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, 1002, 3},
    {"64-bit all ones", {0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 10, 1002, 3},
    {"too big 64-bit", {0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 1}, 10, 1009, 10},
    {"huge 64-bit", {0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 10, 1009, 10},
};

static void test_bad_headers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
        const bad_t *b = &bad_headers[i];
        check_all_splits(b->in, b->len, 65536, b->name);
        if (t_whole.err != b->err || t_whole.err_at != b->err_at)
            fail_msg("%s: err %u at %zu, want %u at %zu", b->name, t_whole.err, t_whole.err_at,
                     b->err, b->err_at);
    }
}

static void test_new_message_inside_fragmented(void **state)
{
    (void)state;
    uint8_t in[64];
    size_t n = cframe(in, 0x01, "ab", 2);
    size_t at = n;
    n += cframe(in + n, 0x81, "cd", 2);
    check_all_splits(in, n, 65536, "text in text");
    assert_int_equal(t_whole.err, 1002);
    assert_int_equal(t_whole.err_at, at + 1);
    n = cframe(in, 0x02, "ab", 2);
    n += cframe(in + n, 0x01, "cd", 2);
    check_all_splits(in, n, 65536, "text in binary");
    assert_int_equal(t_whole.err, 1002);
}

static void test_control_and_message_sequencing(void **state)
{
    (void)state;
    /* After a complete message, continuation is an error again; control frames may appear
     * anywhere; empty frames are fine. */
    uint8_t in[128];
    size_t n = cframe(in, 0x01, "", 0);
    n += cframe(in + n, 0x8A, "", 0);
    n += cframe(in + n, 0x00, "x", 1);
    n += cframe(in + n, 0x88, "\x03\xe8", 2);
    n += cframe(in + n, 0x80, "", 0);
    size_t at = n;
    n += cframe(in + n, 0x80, "y", 1);
    check_all_splits(in, n, 65536, "sequencing");
    assert_int_equal(t_whole.frames, 5);
    assert_int_equal(t_whole.err, 1002);
    assert_int_equal(t_whole.err_at, at + 1);
}

static void test_message_limit(void **state)
{
    (void)state;
    /* Exactly the limit passes, in one frame or in fragments; one byte more is 1009 as
     * soon as the length is read, and the refused frame is skipped, not misread. */
    uint32_t max = 300;
    size_t n = cframe(big_in, 0x82, big_payload, 300);
    parse_split(big_in, n, NULL, 0, &t_whole, max);
    assert_int_equal(t_whole.err, 0);
    n = cframe(big_in, 0x82, big_payload, 301);
    size_t close_at = n;
    n += cframe(big_in + n, 0x88, "\x03\xe8", 2);
    check_all_splits(big_in, n, max, "limit+1");
    assert_int_equal(t_whole.err, 1009);
    assert_int_equal(t_whole.err_at, 4);
    assert_int_equal(t_whole.frames, 2); /* the skipped frame, then the close */
    assert_int_equal(t_whole.ops[1], WS_OP_CLOSE);
    assert_int_equal(t_whole.consumed, n);
    (void)close_at;

    n = cframe(big_in, 0x02, big_payload, 200);
    n += cframe(big_in + n, 0x89, "p", 1);
    n += cframe(big_in + n, 0x80, big_payload, 100);
    parse_split(big_in, n, NULL, 0, &t_whole, max);
    assert_int_equal(t_whole.err, 0);
    assert_int_equal(t_whole.payload_len, 301);
    n = cframe(big_in, 0x02, big_payload, 200);
    size_t at = n;
    n += cframe(big_in + n, 0x80, big_payload, 101);
    check_all_splits(big_in, n, max, "fragments over limit");
    assert_int_equal(t_whole.err, 1009);
    assert_int_equal(t_whole.err_at, at + 2);
    /* 7-bit length over a small limit */
    n = cframe(big_in, 0x81, "abcdef", 6);
    parse_split(big_in, n, NULL, 0, &t_whole, 5);
    assert_int_equal(t_whole.err, 1009);
    assert_int_equal(t_whole.err_at, 2);
    /* control frames do not count */
    n = cframe(big_in, 0x89, big_payload, 125);
    parse_split(big_in, n, NULL, 0, &t_whole, 5);
    assert_int_equal(t_whole.err, 0);
}

/* ---- encoder ------------------------------------------------------------------------------ */

static void test_encoder(void **state)
{
    (void)state;
    uint8_t h[WS_HDR_MAX];
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 0), 2);
    assert_memory_equal(h, ((uint8_t[]){0x81, 0x00}), 2);
    assert_int_equal(ws_frame_header(h, WS_OP_BINARY, false, 125), 2);
    assert_memory_equal(h, ((uint8_t[]){0x02, 125}), 2);
    assert_int_equal(ws_frame_header(h, WS_OP_CONT, true, 126), 4);
    assert_memory_equal(h, ((uint8_t[]){0x80, 126, 0, 126}), 4);
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 65535), 4);
    assert_memory_equal(h, ((uint8_t[]){0x81, 126, 0xFF, 0xFF}), 4);
    assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 65536), 10);
    assert_memory_equal(h, ((uint8_t[]){0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}), 10);
    assert_int_equal(ws_frame_header(h, WS_OP_PONG, true, 0x0102030405ull), 10);
    assert_memory_equal(h, ((uint8_t[]){0x8A, 127, 0, 0, 0, 1, 2, 3, 4, 5}), 10);
    assert_int_equal(ws_frame_header_len(125), 2);
    assert_int_equal(ws_frame_header_len(126), 4);
    assert_int_equal(ws_frame_header_len(65535), 4);
    assert_int_equal(ws_frame_header_len(65536), 10);
    /* never masked (§5.1): the mask bit of byte 1 is clear for every length */
    const uint64_t lens[] = {0, 1, 125, 126, 65535, 65536, 1ull << 40};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        ws_frame_header(h, WS_OP_BINARY, true, lens[i]);
        assert_int_equal(h[1] & 0x80, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_masked_hello),
        cmocka_unit_test(test_rfc_unmasked_refused),
        cmocka_unit_test(test_rfc_fragmented_masked),
        cmocka_unit_test(test_rfc_ping_pong),
        cmocka_unit_test(test_rfc_lengths_16_and_64_bit),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_new_message_inside_fragmented),
        cmocka_unit_test(test_control_and_message_sequencing),
        cmocka_unit_test(test_message_limit),
        cmocka_unit_test(test_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
