/* The text toolkit: every JSON document, response head and reply the firmware writes goes
 * through a sink_t, and JSON string escaping, UTF-8 handling and number formatting exist only
 * here.
 *
 * A sink renders a window of a document: the bytes from `skip` to `skip + cap` go to out, the
 * rest are only counted. Events are rendered this way each time a subscriber's TCP window
 * opens, so nothing is stored per subscriber but a byte offset. With skip 0 a sink is the
 * string builder over a fixed buffer: sink_overflowed() tells the caller that the buffer was
 * too small (the text in it is cut short), and pos is the size it would have needed. */
#ifndef EDGE_SINK_H
#define EDGE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *out;   /* NULL: only count */
    size_t cap;  /* bytes out can take */
    size_t skip; /* document bytes before the window */
    size_t pos;  /* document bytes produced so far */
    size_t n;    /* bytes written to out */
} sink_t;

static inline void sink_init(sink_t *s, char *out, size_t cap, size_t skip)
{
    s->out = out;
    s->cap = cap;
    s->skip = skip;
    s->pos = 0;
    s->n = 0;
}

/* Has the window been filled (the rest of the document can be skipped)? */
static inline bool sink_full(const sink_t *s)
{
    return s->out && s->n == s->cap;
}

/* Did the document run past the end of the window? For a string builder (skip 0): the text
 * did not fit and out holds only its first cap bytes. A counting sink never overflows. */
static inline bool sink_overflowed(const sink_t *s)
{
    return s->out && s->pos > s->skip + s->n;
}

/* A string builder that keeps a NUL after its text, over out of cap bytes (so at most cap - 1
 * bytes of text). sink_end_cstr() writes the NUL and returns the text's length; when the
 * text did not fit it leaves "" in out and returns -1 (and with cap 0 it writes nothing). */
static inline void sink_init_cstr(sink_t *s, char *out, size_t cap)
{
    sink_init(s, cap ? out : NULL, cap ? cap - 1 : 0, 0);
}
int sink_end_cstr(sink_t *s);

void sink_put(sink_t *s, const void *p, size_t n);
void sink_str(sink_t *s, const char *z);

/* ---- numbers (no stdio: app/ pulls in no printf or float formatting) ---- */

void sink_u32(sink_t *s, uint32_t v);
void sink_u64(sink_t *s, uint64_t v);
void sink_i32(sink_t *s, int32_t v);
/* v in decimal with at least `width` digits, zero-padded (width at most 10). */
void sink_u32_pad(sink_t *s, uint32_t v, unsigned width);
/* A fixed-point value as a JSON number: v / 10^decimals with exactly `decimals` digits after
 * the point (decimals 1 to 9): (75, 1) -> 7.5, (500, 3) -> 0.500, (3, 0) -> 3. */
void sink_fixed(sink_t *s, uint32_t v, unsigned decimals);

/* ---- JSON strings ---- */

/* z as a JSON string, quotes included. '"', '\\' and control characters are escaped (\b \f
 * \n \r \t in their short forms, the rest as \u00XX, the form JSON.stringify writes); each
 * byte that starts no valid UTF-8 character becomes U+FFFD, so the output is always valid. */
void sink_json_str(sink_t *s, const char *z);
/* The same escaping for n bytes (NUL included), without the quotes. */
void sink_json_chars(sink_t *s, const void *p, size_t n);
/* Escaping for bytes already known to be UTF-8, which may be a piece cut inside a character
 * (a streamed WebSocket text message): bytes >= 0x80 pass unchanged, so each byte's output
 * depends on that byte only (json_escaped_len()). No quotes. */
void sink_json_utf8(sink_t *s, const void *p, size_t n);
/* How many bytes byte b becomes inside a JSON string under sink_json_utf8(): 1, 2 or 6.
 * Inline: the WebSocket echo sizes its frames with it, byte by byte. */
static inline size_t json_escaped_len(uint8_t b)
{
    if (b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t')
        return 2;
    return b < 0x20 ? 6 : 1;
}

/* ---- binary ---- */

/* n bytes as base64 (padded). */
void sink_base64(sink_t *s, const uint8_t *p, size_t n);

#endif
