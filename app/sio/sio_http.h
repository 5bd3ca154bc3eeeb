/* /socket.io/ on the HTTP server: Engine.IO's polling requests (GET parked with http_defer,
 * POST answered "ok"), CORS, WebSocket from the start and by upgrade, the transports that
 * carry job events to Socket.IO sessions. (The client library, /socket.io/socket.io.min.js,
 * is a static asset like the pages: the router finds it in the asset table first.) */
#ifndef EDGE_SIO_HTTP_H
#define EDGE_SIO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/server.h"

void sio_http_init(void);

/* Any request whose path starts with /socket.io/. */
void sio_http_handle(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);

/* Every superloop pass, before the fan-out: pings, timeouts, queued packets to WebSockets.
 * Returns non-zero if work is pending. */
int sio_http_tick(void);

#endif
