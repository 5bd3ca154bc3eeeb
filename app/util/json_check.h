/* Is a buffer one JSON text (RFC 8259)? Allocation-free, no recursion: nesting is tracked in
 * a 64-bit stack, so deeper documents (more than JSON_CHECK_DEPTH levels) are refused.
 * Bytes >= 0x80 inside strings are accepted as they are: callers check UTF-8 separately
 * (WebSocket text already is). */
#ifndef EDGE_JSON_CHECK_H
#define EDGE_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_CHECK_DEPTH 64

bool json_check(const char *s, size_t n);

#endif
