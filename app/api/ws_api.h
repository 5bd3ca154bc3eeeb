/* GET /ws: the JSON protocol over WebSocket (ws_api.c). Its reply formatting is declared
 * here so that it can be tested alone. */
#ifndef EDGE_API_WS_API_H
#define EDGE_API_WS_API_H

#include <stddef.h>

/* {"type":"error","code","field"?,"message"} into out (field may be NULL); returns its
 * length, or -1 when it does not fit in cap with a NUL. */
int ws_api_format_error(char *out, size_t cap, const char *code, const char *field,
                        const char *msg);

#endif
