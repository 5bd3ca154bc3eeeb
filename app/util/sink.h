/* A byte sink that renders a window of a document: the bytes from `skip` to `skip + cap` go
 * to out, the rest are only counted. Events are rendered this way each time a subscriber's
 * TCP window opens, so nothing is stored per subscriber but a byte offset. */
#ifndef EDGE_SINK_H
#define EDGE_SINK_H

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
static inline int sink_full(const sink_t *s)
{
    return s->out && s->n == s->cap;
}

void sink_put(sink_t *s, const void *p, size_t n);
void sink_str(sink_t *s, const char *z);
void sink_u32(sink_t *s, uint32_t v);
/* z as a JSON string, quotes included; bytes that are not valid UTF-8 become U+FFFD. */
void sink_json_str(sink_t *s, const char *z);
/* n bytes as base64 (padded). */
void sink_base64(sink_t *s, const uint8_t *p, size_t n);

#endif
