/* HTTP/1.1 on the connection core (app/net/conn.h): request intake, replies that stream as
 * the TCP send window allows, timeouts, requests answered later (long-polling, a warm-up),
 * and the hand-over of a connection to a long-lived protocol (WebSocket, Server-Sent
 * Events) and back. The server knows no handler: it is given one when it starts. */
#ifndef EDGE_HTTP_SERVER_H
#define EDGE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/http_parser.h"
#include "app/net/conn.h"

/* Called once per complete request. The request and body are valid during the call (and
 * while the request is deferred: see http_defer). The handler answers with http_reply*,
 * defers, or takes the connection over. */
typedef void (*http_handler_t)(conn_t *c, const http_request_t *req, const uint8_t *body,
                               size_t body_len);

typedef struct {
    uint32_t accepted, refused, active, peak, http, stream, lingering, timeouts_408, idle_closed;
    uint32_t evicted; /* waiting connections given up for a new one (table full) */
    uint32_t body_slots_used, body_slots_peak, spills, rx_aborts, deferred;
} http_server_stats_t;

void http_server_init(void);
/* Listen on port (plain TCP) and pass every request to handler. */
int http_server_start(uint16_t port, http_handler_t handler);
/* One more listening port for the same server, its connections wrapped (HTTPS: the TLS
 * layer's wrap, port/altcp_tls3.h). Call after http_server_start. */
int http_server_listen(uint16_t port, conn_wrap_fn wrap);
void http_server_stop(void);
const http_server_stats_t *http_server_stats(void);

/* ---- Replies (for handlers) -------------------------------------------------------- */

/* Body lifetime: HTTP_BODY_COPY, the bytes may vanish after the call (what TCP cannot take
 * yet is copied, at most HTTP_BODY_MAX); HTTP_BODY_STATIC, they live until sent. */
enum { HTTP_BODY_COPY = CONN_COPY, HTTP_BODY_STATIC = CONN_STATIC };

/* Send a whole response. extra_headers is "" (or NULL) or complete "Name: value\r\n" lines. */
void http_reply(conn_t *c, int status, const char *content_type, const void *body, size_t len,
                int lifetime, const char *extra_headers);

/* A JSON error: {"error":{"code","field"?,"message"}}; code NULL: from the status. */
void http_reply_error(conn_t *c, int status, const char *code, const char *field,
                      const char *message, const char *extra_headers);

/* A JSON document formatted by the caller into http_scratch(). */
void http_reply_json(conn_t *c, int status, size_t len);

/* The head alone, for a reply whose body the caller streams (SSE) or that switches
 * protocols (101). content_length < 0: none. connection: NULL for keep-alive/close as the
 * request allows, or the Connection header's value ("Upgrade"). Returns 0, or -1 when it
 * does not fit the send window (nothing written). */
int http_send_head(conn_t *c, int status, const char *content_type, int32_t content_length,
                   const char *connection, const char *extra_headers);

/* A shared formatting buffer for one response at a time (single-threaded), of
 * HTTP_SCRATCH_SIZE bytes. */
char *http_scratch(void);

/* ---- Deferred replies ------------------------------------------------------------- */

/* A request the handler answers later. While deferred, the connection reads no further
 * request; the answer (any http_reply*) ends the deferral, and keep-alive goes on. */
typedef struct {
    /* Every superloop pass while deferred (optional): answer when ready. Returns non-zero
     * if it has work pending. */
    int (*poll)(conn_t *c, void *arg, uint32_t now_ms);
    /* The timeout passed (and TCP can take a response head): must answer now. */
    void (*expire)(conn_t *c, void *arg);
    /* The connection closed while deferred (optional): forget it. */
    void (*gone)(conn_t *c, void *arg);
} http_deferred_t;

/* From a handler: park this request for at most timeout_ms. */
void http_defer(conn_t *c, uint32_t timeout_ms, const http_deferred_t *d, void *arg);
/* Is this connection an HTTP one with a deferred request? */
int http_is_deferred(conn_t *c);

/* ---- Hand-over -------------------------------------------------------------------- */

/* From a handler, after the head is written: the connection belongs to proto from now on.
 * The request is gone (its memory becomes proto's state): read what you need first. */
void http_take_over(conn_t *c, const conn_proto_t *proto);
/* A taken-over connection returns to HTTP keep-alive (the next request is read). */
void http_give_back(conn_t *c);

#endif
