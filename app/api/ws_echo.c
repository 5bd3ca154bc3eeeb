#include "app/api/ws_echo.h"

#include <string.h>

#include "app/util/json_check.h"
#include "app/util/sink.h"

static const char hello[] =
    "{\"type\":\"connected\",\"message\":\"WebSocket test endpoint ready\"}";
static const char pre_json[] = "{\"type\":\"echo\",\"data\":";
static const char pre_str[] = "{\"type\":\"echo\",\"data\":\"";

enum {
    E_HELLO = 1,  /* the greeting still waits for room */
    E_STREAM = 2, /* a fragmented answer is open: what follows are continuation frames */
};

/* How many leading bytes of p fit in limit bytes of output. */
static size_t fit(bool text, const uint8_t *p, size_t n, size_t limit)
{
    if (!text) return n < limit ? n : limit;
    size_t used = 0, k = 0;
    while (k < n && used + json_escaped_len(p[k]) <= limit)
        used += json_escaped_len(p[k++]);
    return k;
}

static void write_all(ws_conn_t *c, const void *p, size_t n)
{
    /* Room for the whole frame was checked before it was begun, so this never loops. */
    const uint8_t *b = p;
    while (n) {
        size_t k = ws_conn_frame_write(c, b, n);
        if (!k) return;
        b += k;
        n -= k;
    }
}

/* One frame: prefix, the data (escaped for text), suffix. The caller checked the room. */
static int put_frame(ws_conn_t *c, uint8_t op, bool fin, const char *pre, bool escape,
                     const uint8_t *p, size_t n, const char *post)
{
    size_t body = n;
    if (escape) {
        sink_t count;
        sink_init(&count, NULL, 0, 0);
        sink_json_utf8(&count, p, n);
        body = count.pos;
    }
    int r = ws_conn_frame_begin(c, op, fin, strlen(pre) + body + strlen(post));
    if (r) return r;
    write_all(c, pre, strlen(pre));
    if (!escape) {
        write_all(c, p, n);
    } else {
        /* Escaped through a small buffer, a few input bytes at a time: each byte takes at
         * most 6, and under sink_json_utf8() its output depends on that byte only. */
        char tmp[192];
        for (size_t i = 0; i < n; i += sizeof tmp / 6) {
            size_t k = n - i < sizeof tmp / 6 ? n - i : sizeof tmp / 6;
            sink_t s;
            sink_init(&s, tmp, sizeof tmp, 0);
            sink_json_utf8(&s, p + i, k);
            write_all(c, tmp, s.n);
        }
    }
    write_all(c, post, strlen(post));
    return 0;
}

/* Echoes a piece of a message as a frame of a fragmented answer, taking as many bytes as
 * fit the window now; a piece that fits whole with the end of the message closes the
 * answer (so a small message goes back in a single frame). */
static int echo_piece(ws_conn_t *c, unsigned flags, const uint8_t *p, size_t n)
{
    bool text = (flags & WS_MSG_TYPE) == WS_OP_TEXT;
    bool open = (c->app & E_STREAM) != 0;
    const char *pre = (!open && text) ? pre_str : "";
    const char *post = text ? "\"}" : "";
    size_t pre_len = strlen(pre), post_len = strlen(post);
    uint8_t op = open ? WS_OP_CONT : (uint8_t)(flags & WS_MSG_TYPE);
    size_t budget = ws_conn_tx_space(c);

    if ((flags & WS_MSG_LAST) && budget >= pre_len + post_len &&
        fit(text, p, n, budget - pre_len - post_len) == n) {
        if (put_frame(c, op, true, pre, text, p, n, post)) return WS_BUSY;
        c->app &= ~(uint32_t)E_STREAM;
        return (int)n;
    }
    if (budget <= pre_len) return WS_BUSY;
    size_t k = fit(text, p, n, budget - pre_len);
    if ((flags & WS_MSG_LAST) && k >= n) k = n ? n - 1 : 0; /* keep the end for later */
    if (k == 0) return WS_BUSY;
    if (put_frame(c, op, false, pre, text, p, k, "")) return WS_BUSY;
    c->app |= E_STREAM;
    return (int)k;
}

static bool send_hello(ws_conn_t *c)
{
    if (!(c->app & E_HELLO)) return true;
    if (ws_conn_send(c, WS_OP_TEXT, hello, sizeof(hello) - 1) != 0) return false;
    c->app &= ~(uint32_t)E_HELLO;
    return true;
}

static void echo_open(ws_conn_t *c)
{
    c->app = E_HELLO;
    send_hello(c);
}

static void echo_writable(ws_conn_t *c)
{
    send_hello(c);
}

static int echo_message(ws_conn_t *c, unsigned flags, const uint8_t *p, size_t n)
{
    if (!send_hello(c)) return WS_BUSY;
    bool whole = (flags & (WS_MSG_FIRST | WS_MSG_LAST)) == (WS_MSG_FIRST | WS_MSG_LAST);
    if ((flags & WS_MSG_TYPE) == WS_OP_TEXT && whole && json_check((const char *)p, n)) {
        size_t total = sizeof(pre_json) - 1 + n + 1;
        if (ws_conn_tx_space(c) < total) return WS_BUSY;
        if (put_frame(c, WS_OP_TEXT, true, pre_json, false, p, n, "}")) return WS_BUSY;
        return (int)n;
    }
    return echo_piece(c, flags, p, n);
}

const ws_handler_t ws_echo_handler = {
    .on_open = echo_open,
    .on_message = echo_message,
    .on_writable = echo_writable,
    .on_close = NULL,
};
