/* Helpers shared by the WebSocket unit tests: a fake transport, a client frame builder
 * (masked, as RFC 6455 requires of clients) and a reader for what the server wrote. */
#ifndef EDGE_WS_TEST_UTIL_H
#define EDGE_WS_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "app/ws/ws_conn.h"

/* ---- fake transport -------------------------------------------------------------------- */

#define FAKE_OUT_MAX (1u << 20)

typedef struct {
    uint8_t out[FAKE_OUT_MAX];
    size_t len;    /* bytes written and not yet "sent" */
    size_t window; /* simulated send buffer: space() = window - len */
    size_t total;  /* bytes ever written */
    int closed;    /* close() calls */
    int flushes;
} fake_io_t;

static inline size_t fake_space(void *ctx)
{
    fake_io_t *f = ctx;
    return f->window > f->len ? f->window - f->len : 0;
}

static inline int fake_write(void *ctx, const void *p, size_t n)
{
    fake_io_t *f = ctx;
    if (fake_space(f) < n || f->len + n > FAKE_OUT_MAX) return -1;
    memcpy(f->out + f->len, p, n);
    f->len += n;
    f->total += n;
    return 0;
}

static inline void fake_flush(void *ctx)
{
    ((fake_io_t *)ctx)->flushes++;
}
static inline void fake_close(void *ctx)
{
    ((fake_io_t *)ctx)->closed++;
}

static const ws_io_t fake_io_ops = {fake_space, fake_write, fake_flush, fake_close};

static inline void fake_reset(fake_io_t *f, size_t window)
{
    f->len = 0;
    f->total = 0;
    f->window = window;
    f->closed = 0;
    f->flushes = 0;
}

/* ---- client frames --------------------------------------------------------------------- */

static const uint8_t test_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A client frame: b0 is FIN|RSV|opcode as sent; the payload is masked. Returns its size. */
static inline size_t cframe_m(uint8_t *out, uint8_t b0, const void *payload, size_t n, bool masked)
{
    const uint8_t *p = payload;
    size_t k = 0;
    out[k++] = b0;
    uint8_t mbit = masked ? 0x80 : 0;
    if (n < 126) {
        out[k++] = (uint8_t)(mbit | n);
    } else if (n <= 0xFFFF) {
        out[k++] = mbit | 126;
        out[k++] = (uint8_t)(n >> 8);
        out[k++] = (uint8_t)n;
    } else {
        out[k++] = mbit | 127;
        for (int i = 0; i < 8; i++)
            out[k++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
    }
    if (masked) {
        memcpy(out + k, test_mask, 4);
        k += 4;
    }
    for (size_t i = 0; i < n; i++)
        out[k + i] = masked ? (uint8_t)(p[i] ^ test_mask[i & 3]) : p[i];
    return k + n;
}

static inline size_t cframe(uint8_t *out, uint8_t b0, const void *payload, size_t n)
{
    return cframe_m(out, b0, payload, n, true);
}

/* ---- server frames --------------------------------------------------------------------- */

typedef struct {
    uint8_t op;
    bool fin;
    bool masked;
    uint8_t rsv;
    const uint8_t *payload;
    size_t len;
} sframe_t;

/* Reads one server frame at *pos of buf; false when incomplete. */
static inline bool sframe_next(const uint8_t *buf, size_t len, size_t *pos, sframe_t *f)
{
    size_t k = *pos;
    if (len - k < 2) return false;
    f->fin = buf[k] >> 7;
    f->rsv = (buf[k] >> 4) & 7;
    f->op = buf[k] & 15;
    f->masked = buf[k + 1] >> 7;
    uint64_t n = buf[k + 1] & 0x7F;
    k += 2;
    if (n == 126) {
        if (len - k < 2) return false;
        n = ((uint64_t)buf[k] << 8) | buf[k + 1];
        k += 2;
    } else if (n == 127) {
        if (len - k < 8) return false;
        n = 0;
        for (int i = 0; i < 8; i++)
            n = (n << 8) | buf[k + (size_t)i];
        k += 8;
    }
    if (f->masked) k += 4;
    if (len - k < n) return false;
    f->payload = buf + k;
    f->len = (size_t)n;
    *pos = k + (size_t)n;
    return true;
}

/* Code of the single close frame found in buf (0: none; 1005: empty payload). */
static inline unsigned sclose_code(const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    sframe_t f;
    while (sframe_next(buf, len, &pos, &f)) {
        if (f.op == WS_OP_CLOSE)
            return f.len >= 2 ? (unsigned)(f.payload[0] << 8 | f.payload[1]) : 1005;
    }
    return 0;
}

#endif
