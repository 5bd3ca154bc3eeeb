#include "app/util/sink.h"

#include <string.h>

#include "app/util/utf8.h"

void sink_put(sink_t *s, const void *p, size_t n)
{
    const char *b = p;
    size_t end = s->pos + n;
    if (s->out && end > s->skip && s->n < s->cap) {
        size_t from = s->pos < s->skip ? s->skip - s->pos : 0;
        size_t k = n - from;
        if (k > s->cap - s->n) k = s->cap - s->n;
        memcpy(s->out + s->n, b + from, k);
        s->n += k;
    }
    s->pos = end;
}

int sink_end_cstr(sink_t *s)
{
    if (!s->out) return -1; /* cap 0: no room even for the NUL */
    if (sink_overflowed(s) || s->n > INT32_MAX) {
        s->out[0] = '\0';
        return -1;
    }
    s->out[s->n] = '\0';
    return (int)s->n;
}

void sink_str(sink_t *s, const char *z)
{
    sink_put(s, z, strlen(z));
}

static void put_digits(sink_t *s, uint32_t v, unsigned width)
{
    char buf[10];
    unsigned i = sizeof buf;
    if (width > sizeof buf) width = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v || sizeof buf - i < width);
    sink_put(s, buf + i, sizeof buf - i);
}

void sink_u32(sink_t *s, uint32_t v)
{
    put_digits(s, v, 1);
}

void sink_u64(sink_t *s, uint64_t v)
{
    /* In 9-digit groups: one 64-bit division per group, 32-bit arithmetic for the digits. */
    if (v <= UINT32_MAX) {
        put_digits(s, (uint32_t)v, 1);
        return;
    }
    sink_u64(s, v / 1000000000u);
    put_digits(s, (uint32_t)(v % 1000000000u), 9);
}

void sink_i32(sink_t *s, int32_t v)
{
    if (v < 0) sink_put(s, "-", 1);
    /* The magnitude in unsigned arithmetic, so that INT32_MIN does not overflow. */
    put_digits(s, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 1);
}

void sink_u32_pad(sink_t *s, uint32_t v, unsigned width)
{
    put_digits(s, v, width);
}

void sink_fixed(sink_t *s, uint32_t v, unsigned decimals)
{
    if (decimals == 0) {
        put_digits(s, v, 1);
        return;
    }
    if (decimals > 9) decimals = 9;
    uint32_t scale = 1;
    for (unsigned i = 0; i < decimals; i++)
        scale *= 10;
    put_digits(s, v / scale, 1);
    sink_put(s, ".", 1);
    put_digits(s, v % scale, decimals);
}

/* The escape of an ASCII byte that plain() refuses: the short form where JSON has one, else
 * \u00XX (the lengths json_escaped_len() in sink.h gives; test_sink.c holds them together). */
static void put_ascii_escape(sink_t *s, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
    const char *k = c ? strchr(from, c) : NULL; /* strchr would find the NUL itself */
    if (k) {
        char e[2] = {'\\', to[k - from]};
        sink_put(s, e, 2);
    } else {
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        sink_put(s, e, 6);
    }
}

static bool plain(uint8_t c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* One escaper for both entry points; `trusted`: bytes >= 0x80 are known to be UTF-8. */
static void escape(sink_t *s, const uint8_t *p, size_t n, bool trusted)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 0;
        while (i + run < n && (plain(p[i + run]) || (trusted && p[i + run] >= 0x80)))
            run++;
        if (run) { /* plain runs go in one piece */
            sink_put(s, p + i, run);
            i += run;
            continue;
        }
        uint8_t c = p[i];
        if (c < 0x80) {
            put_ascii_escape(s, c);
            i++;
            continue;
        }
        size_t k = utf8_char_len(p + i, n - i);
        if (k) {
            sink_put(s, p + i, k);
            i += k;
        } else {
            sink_put(s, "\xEF\xBF\xBD", 3); /* U+FFFD for the byte that starts nothing */
            i++;
        }
    }
}

void sink_json_chars(sink_t *s, const void *p, size_t n)
{
    escape(s, p, n, false);
}

void sink_json_utf8(sink_t *s, const void *p, size_t n)
{
    escape(s, p, n, true);
}

void sink_json_str(sink_t *s, const char *z)
{
    sink_put(s, "\"", 1);
    escape(s, (const uint8_t *)z, strlen(z), false);
    sink_put(s, "\"", 1);
}

void sink_base64(sink_t *s, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t out_len = (n + 2) / 3 * 4;
    /* Wholly before or after the window: count only. */
    if (!s->out || s->pos + out_len <= s->skip || sink_full(s)) {
        s->pos += out_len;
        return;
    }
    /* Skip whole groups that end before the window. */
    size_t groups = s->pos < s->skip ? (s->skip - s->pos) / 4 : 0;
    if (groups * 3 > n) groups = n / 3;
    s->pos += groups * 4;
    p += groups * 3;
    n -= groups * 3;
    char buf[64];
    size_t b = 0;
    while (n > 0 && !sink_full(s)) {
        uint32_t v = (uint32_t)p[0] << 16;
        if (n > 1) v |= (uint32_t)p[1] << 8;
        if (n > 2) v |= p[2];
        buf[b++] = tab[(v >> 18) & 63];
        buf[b++] = tab[(v >> 12) & 63];
        buf[b++] = n > 1 ? tab[(v >> 6) & 63] : '=';
        buf[b++] = n > 2 ? tab[v & 63] : '=';
        size_t k = n < 3 ? n : 3;
        p += k;
        n -= k;
        if (b == sizeof buf) {
            sink_put(s, buf, b);
            b = 0;
        }
    }
    sink_put(s, buf, b);
    s->pos += (n + 2) / 3 * 4; /* what the full window did not need */
}
