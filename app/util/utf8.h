/* The one UTF-8 validator (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
 * Incremental: input may be split at any byte, including inside a multi-byte sequence, and
 * the first invalid byte is reported as soon as it is seen, so that a WebSocket text message
 * can be refused before the rest of it arrives. Three bytes of state. The JSON escaper in
 * app/util/sink.c is built on it. */
#ifndef EDGE_UTF8_H
#define EDGE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t need; /* continuation bytes still expected in the current sequence */
    uint8_t lo;   /* allowed range of the next continuation byte: the first one after */
    uint8_t hi;   /* E0, ED, F0 and F4 is narrower (no overlongs, surrogates, > U+10FFFF) */
} utf8_t;

static inline void utf8_reset(utf8_t *u)
{
    u->need = 0;
    u->lo = 0x80;
    u->hi = 0xBF;
}

/* Checks n more bytes. Returns n when they are valid so far (a sequence may still be open),
 * else the index of the first byte that can never be part of valid UTF-8. After an error
 * the state is unspecified until utf8_reset(). */
size_t utf8_feed(utf8_t *u, const uint8_t *p, size_t n);

/* True when everything fed so far ends on a character boundary. */
static inline bool utf8_complete(const utf8_t *u)
{
    return u->need == 0;
}

/* Whole-buffer check. */
bool utf8_valid(const uint8_t *p, size_t n);

/* Length (1 to 4) of the valid character that starts at p, looking at most n bytes ahead;
 * 0 when no valid character starts there (a stray or truncated sequence). */
size_t utf8_char_len(const uint8_t *p, size_t n);

#endif
