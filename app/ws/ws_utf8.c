#include "app/ws/ws_utf8.h"

size_t ws_utf8_feed(ws_utf8_t *u, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (u->need) {
            if (b < u->lo || b > u->hi) return i;
            u->need--;
            u->lo = 0x80;
            u->hi = 0xBF;
            i++;
            continue;
        }
        if (b < 0x80) { /* ASCII is the common case: run through it */
            i++;
            while (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        if (b < 0xC2) return i; /* stray continuation byte, or overlong C0/C1 lead */
        if (b < 0xE0) {
            u->need = 1;
        } else if (b < 0xF0) {
            u->need = 2;
            if (b == 0xE0) u->lo = 0xA0; /* below is an overlong 3-byte form */
            if (b == 0xED) u->hi = 0x9F; /* above is a UTF-16 surrogate */
        } else if (b < 0xF5) {
            u->need = 3;
            if (b == 0xF0) u->lo = 0x90; /* below is an overlong 4-byte form */
            if (b == 0xF4) u->hi = 0x8F; /* above is past U+10FFFF */
        } else {
            return i;
        }
        i++;
    }
    return n;
}

bool ws_utf8_valid(const uint8_t *p, size_t n)
{
    ws_utf8_t u;
    ws_utf8_reset(&u);
    return ws_utf8_feed(&u, p, n) == n && ws_utf8_complete(&u);
}
