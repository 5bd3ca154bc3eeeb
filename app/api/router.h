/* Maps a parsed request to its handler: 404 for unknown paths, 405 (with Allow) for a known
 * path with another method. */
#ifndef EDGE_API_ROUTER_H
#define EDGE_API_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/server.h"

typedef void (*api_handler_t)(conn_t *c, const http_request_t *req, const uint8_t *body,
                              size_t body_len);

void api_dispatch(conn_t *c, const http_request_t *req, const uint8_t *body, size_t body_len);

/* Plain HTTP requests are answered 308 to https://<host>[:port]<target> (port 0: off). */
void api_set_https_redirect(uint16_t https_port);

#endif
