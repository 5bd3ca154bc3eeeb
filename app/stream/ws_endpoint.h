/* WebSocket endpoints on the HTTP server: the upgrade, the glue between a connection and
 * ws_conn (its I/O, its ticks, its close), and the transport that carries job events as
 * WebSocket text messages. */
#ifndef EDGE_STREAM_WS_ENDPOINT_H
#define EDGE_STREAM_WS_ENDPOINT_H

#include "app/http/server.h"
#include "app/jobs/subs.h"
#include "app/ws/ws_conn.h"

/* Upgrade this request to a WebSocket served by handler, or answer the handshake error.
 * Returns the new ws_conn_t, or NULL when the handshake was refused. */
ws_conn_t *ws_endpoint_upgrade(conn_t *c, const http_request_t *req, const ws_handler_t *h);

/* The ws_conn_t of a connection served by a WebSocket endpoint. */
ws_conn_t *ws_endpoint_ws(conn_t *c);

/* The connection behind a ws_conn_t (for fan-out and back-pressure). */
conn_t *ws_endpoint_conn(ws_conn_t *ws);

/* Job events as JSON text messages, one per event; ctx is the connection. The
 * subscription stays when the job ends (the connection may follow others). */
extern const sub_transport_t ws_event_transport;

#endif
