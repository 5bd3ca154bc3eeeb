/* libFuzzer target: the WebSocket frame parser alone, then the whole connection (the /ws/test
 * echo on top) over a fake transport with a fuzzed send window, fuzzed input splits, ticks
 * and back-pressure. Checks: no crash/UB (ASan, UBSan), consumption never exceeds the input,
 * the transport is never overfilled, and everything the server writes is a sequence of
 * well-formed, unmasked frames with valid opcodes, control frames of at most 125 bytes and
 * correct fragmentation.
 *
 * Input: byte 0 = send window selector, byte 1 = split seed, byte 2 = flags, rest = stream. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/ws_echo.h"
#include "app/ws/ws_conn.h"
#include "app/ws/ws_frame.h"
#include "tests/unit/ws_test_util.h"

static fake_io_t io;
static ws_conn_t conn;
static uint8_t wire[1 << 16];
static size_t wire_len;
static int out_open; /* a fragmented server message is open */

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

/* Verifies and drops the complete frames at the start of wire. */
static void verify_wire(void)
{
    size_t pos = 0, keep = 0;
    sframe_t f;
    while (sframe_next(wire, wire_len, &pos, &f)) {
        CHECK(!f.masked && f.rsv == 0);
        switch (f.op) {
        case WS_OP_TEXT:
        case WS_OP_BINARY:
            CHECK(!out_open);
            out_open = !f.fin;
            break;
        case WS_OP_CONT:
            CHECK(out_open);
            out_open = !f.fin;
            break;
        case WS_OP_CLOSE:
        case WS_OP_PING:
        case WS_OP_PONG:
            CHECK(f.fin && f.len <= 125);
            break;
        default:
            CHECK(0);
        }
        keep = pos;
    }
    memmove(wire, wire + keep, wire_len - keep);
    wire_len -= keep;
}

static void pump(void)
{
    CHECK(io.len <= io.window);
    size_t off = 0;
    while (off < io.len) {
        size_t k = io.len - off;
        if (k > sizeof(wire) - wire_len) k = sizeof(wire) - wire_len;
        memcpy(wire + wire_len, io.out + off, k);
        wire_len += k;
        off += k;
        verify_wire();
        /* A single frame larger than the wire buffer: skip past it without checking. */
        if (wire_len == sizeof(wire)) wire_len = 0, out_open = 0;
    }
    io.len = 0;
}

static void fuzz_parser(const uint8_t *d, size_t n, unsigned seed)
{
    ws_parser_t p;
    ws_parser_init(&p, 1000 + seed * 37);
    static uint8_t sink[1 << 16];
    size_t i = 0;
    while (i < n) {
        size_t chunk = 1 + ((seed = seed * 1103515245u + 12345u) >> 16) % 97;
        if (chunk > n - i) chunk = n - i;
        const uint8_t *c = d + i;
        size_t j = 0;
        for (int guard = 0; guard < 100000; guard++) {
            if (p.state == WS_P_FRAME_END) {
                ws_parser_next(&p);
                continue;
            }
            if (j == chunk || p.state == WS_P_BROKEN) break;
            size_t k;
            if (p.state == WS_P_HEADER) {
                uint16_t err;
                k = ws_parser_header(&p, c + j, chunk - j, &err);
                CHECK(err == 0 || err == 1002 || err == 1009);
                CHECK(k > 0);
            } else {
                size_t want = chunk - j < sizeof(sink) ? chunk - j : sizeof(sink);
                k = ws_parser_payload(&p, c + j, want, p.opcode == WS_P_SKIP_OP ? NULL : sink);
                CHECK(k > 0);
            }
            j += k;
            CHECK(j <= chunk);
        }
        if (p.state == WS_P_BROKEN) return;
        i += chunk;
    }
}

static const ws_limits_t fuzz_lim = {4096, 50, 400, 100};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    unsigned window_sel = data[0], seed = data[1], flags = data[2];
    data += 3;
    size -= 3;
    fuzz_parser(data, size, seed);

    static const size_t windows[] = {0, 1, 2, 3, 10, 64, 127, 130, 200, 600, 2000, 70000};
    fake_reset(&io, windows[window_sel % 12]);
    wire_len = 0;
    out_open = 0;
    const ws_limits_t *lim = (flags & 1) ? &fuzz_lim : NULL;
    ws_conn_open(&conn, &fake_io_ops, &io, &ws_echo_handler, NULL, lim, 0);
    uint32_t now = 0;
    size_t off = 0;
    int stalls = 0;
    while (off < size && stalls < 50) {
        size_t chunk = 1 + ((seed = seed * 1103515245u + 12345u) >> 16) % 300;
        if (chunk > size - off) chunk = size - off;
        size_t used = ws_conn_on_bytes(&conn, data + off, chunk);
        CHECK(used <= chunk);
        if (ws_conn_state(&conn) == WS_ST_CLOSED) CHECK(used == chunk);
        off += used;
        stalls = used ? 0 : stalls + 1;
        if (flags & 2) {
            now += (seed >> 8) % 40;
            ws_conn_tick(&conn, now);
        }
        if (!(flags & 4) || (seed & 1)) { /* the window opens now and then, or always */
            pump();
            if (windows[window_sel % 12] < 8) io.window = 64; /* let tiny windows progress */
            ws_conn_on_writable(&conn);
        }
        CHECK(io.len <= io.window);
    }
    pump();
    ws_conn_on_writable(&conn);
    pump();
    ws_conn_tick(&conn, now + 100000);
    pump();
    ws_conn_on_tcp_closed(&conn);
    CHECK(ws_conn_state(&conn) == WS_ST_CLOSED);
    return 0;
}
