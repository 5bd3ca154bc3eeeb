#include "app/api/ws_echo.h"

#include <string.h>

#include "app/util/json_check.h"

static const char hello[] =
    "{\"type\":\"connected\",\"message\":\"WebSocket test endpoint ready\"}";
static const char pre_json[] = "{\"type\":\"echo\",\"data\":";
static const char pre_str[] = "{\"type\":\"echo\",\"data\":\"";

enum {
    E_HELLO = 1,  /* the greeting still waits for room */
    E_STREAM = 2, /* a fragmented answer is open: what follows are continuation frames */
};

/* Size of one byte inside a JSON string. Bytes >= 0x80 pass as they are: the text is
 * valid UTF-8 already. */
static size_t esc_len(uint8_t b)
{
    if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t' || b == '\b' || b == '\f')
        return 2;
    return b < 0x20 ? 6 : 1;
}

static size_t esc_put(uint8_t b, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const char *short_form = NULL;
    switch (b) {
    case '"':
        short_form = "\\\"";
        break;
    case '\\':
        short_form = "\\\\";
        break;
    case '\n':
        short_form = "\\n";
        break;
    case '\r':
        short_form = "\\r";
        break;
    case '\t':
        short_form = "\\t";
        break;
    case '\b':
        short_form = "\\b";
        break;
    case '\f':
        short_form = "\\f";
        break;
    default:
        break;
    }
    if (short_form) {
        memcpy(out, short_form, 2);
        return 2;
    }
    if (b >= 0x20) {
        out[0] = (char)b;
        return 1;
    }
    memcpy(out, "\\u00", 4);
    out[4] = hex[b >> 4];
    out[5] = hex[b & 15];
    return 6;
}

/* How many leading bytes of p fit in limit bytes of output. */
static size_t fit(bool text, const uint8_t *p, size_t n, size_t limit)
{
    if (!text) return n < limit ? n : limit;
    size_t used = 0, k = 0;
    while (k < n && used + esc_len(p[k]) <= limit)
        used += esc_len(p[k++]);
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
        body = 0;
        for (size_t i = 0; i < n; i++)
            body += esc_len(p[i]);
    }
    int r = ws_conn_frame_begin(c, op, fin, strlen(pre) + body + strlen(post));
    if (r) return r;
    write_all(c, pre, strlen(pre));
    if (!escape) {
        write_all(c, p, n);
    } else {
        char tmp[96];
        size_t t = 0;
        for (size_t i = 0; i < n; i++) {
            t += esc_put(p[i], tmp + t);
            if (t > sizeof(tmp) - 6) {
                write_all(c, tmp, t);
                t = 0;
            }
        }
        write_all(c, tmp, t);
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
