/* Incremental UTF-8 validator (RFC 3629): input may be split at any byte, including inside a
 * multi-byte sequence, and the first invalid byte is reported as soon as it is seen so that a
 * text message can be refused before the rest of it arrives. Three bytes of state. */
#ifndef EDGE_WS_UTF8_H
#define EDGE_WS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t need; /* continuation bytes still expected in the current sequence */
    uint8_t lo;   /* allowed range of the next continuation byte: the first one after */
    uint8_t hi;   /* E0, ED, F0 and F4 is narrower (no overlongs, surrogates, > U+10FFFF) */
} ws_utf8_t;

static inline void ws_utf8_reset(ws_utf8_t *u)
{
    u->need = 0;
    u->lo = 0x80;
    u->hi = 0xBF;
}

/* Checks n more bytes. Returns n when they are valid so far (a sequence may still be open),
 * else the index of the first byte that can never be part of valid UTF-8. After an error
 * the state is unspecified until ws_utf8_reset(). */
size_t ws_utf8_feed(ws_utf8_t *u, const uint8_t *p, size_t n);

/* True when everything fed so far ends on a character boundary. */
static inline bool ws_utf8_complete(const ws_utf8_t *u)
{
    return u->need == 0;
}

/* Whole-buffer check. */
bool ws_utf8_valid(const uint8_t *p, size_t n);

#endif
