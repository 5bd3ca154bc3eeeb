#include "app/util/utf8.h"

size_t utf8_feed(utf8_t *u, const uint8_t *p, size_t n)
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

bool utf8_valid(const uint8_t *p, size_t n)
{
    utf8_t u;
    utf8_reset(&u);
    return utf8_feed(&u, p, n) == n && utf8_complete(&u);
}

size_t utf8_char_len(const uint8_t *p, size_t n)
{
    utf8_t u;
    utf8_reset(&u);
    for (size_t i = 0; i < n && i < 4; i++) {
        if (utf8_feed(&u, p + i, 1) != 1) return 0;
        if (utf8_complete(&u)) return i + 1;
    }
    return 0;
}
