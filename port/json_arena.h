/* cJSON's allocator: a bump arena over one static buffer, reset after each message.
 * cJSON is compiled with malloc/free/realloc mapped onto these functions. */
#ifndef EDGE_JSON_ARENA_H
#define EDGE_JSON_ARENA_H

#include <stddef.h>

/* 8 KB: enough for a parsed request body of HTTP_BODY_MAX (4 KB) as cJSON nodes. */
#define JSON_ARENA_SIZE (8 * 1024)

void *json_arena_malloc(size_t n);
void json_arena_free(void *p);
void *json_arena_realloc(void *p, size_t n);

/* Forget everything allocated since the last reset. Call after each message. */
void json_arena_reset(void);

/* Bytes in use now, and the most ever used (for /api/health). */
size_t json_arena_used(void);
size_t json_arena_peak(void);

#endif
