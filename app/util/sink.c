#include "app/util/sink.h"

#include <string.h>

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

void sink_str(sink_t *s, const char *z)
{
    sink_put(s, z, strlen(z));
}

void sink_u32(sink_t *s, uint32_t v)
{
    char buf[10];
    int i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sink_put(s, buf + i, sizeof buf - (size_t)i);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4) return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))) return 0;
    if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))) return 0;
    return n;
}

void sink_json_str(sink_t *s, const char *z)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)z;
    sink_put(s, "\"", 1);
    while (*p) {
        size_t run = 0;
        /* Copy plain runs in one go. */
        while (p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run) {
            sink_put(s, p, run);
            p += run;
            continue;
        }
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sink_put(s, e, 2);
            p++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sink_put(s, e, 6);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n) {
                sink_put(s, p, n);
                p += n;
            } else {
                sink_put(s, "\xEF\xBF\xBD", 3);
                p++;
            }
        }
    }
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
