/* HTTP/1.1 server over lwIP's altcp: the connection table, request intake, responses that
 * stream as the TCP send window allows, timeouts, and the hand-over of a connection to a
 * long-lived protocol (WebSocket, Server-Sent Events). */
#ifndef EDGE_HTTP_SERVER_H
#define EDGE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/http_parser.h"

struct altcp_pcb;
struct pbuf;

typedef enum {
    CONN_FREE = 0,
    CONN_HTTP,   /* request/response */
    CONN_STREAM, /* handed to a protocol (WebSocket, SSE): see conn_proto_t */
    CONN_LINGER, /* our FIN is sent; input is discarded until the peer's FIN */
} conn_mode_t;

typedef struct conn conn_t;

/* A long-lived protocol that takes over a connection after its HTTP request. */
typedef struct {
    const char *name; /* "ws", "sse", ... for logs and /api/health */
    /* Bytes from the peer; return how many were consumed (fewer = back-pressure). */
    size_t (*on_bytes)(conn_t *c, const uint8_t *data, size_t len);
    /* The TCP window opened: send what is pending. */
    void (*on_writable)(conn_t *c);
    /* Called every superloop pass with the time; returns non-zero if it has work pending. */
    int (*on_tick)(conn_t *c, uint32_t now_ms);
    /* The connection is gone (closed by either side or reset); release protocol state. */
    void (*on_close)(conn_t *c);
} conn_proto_t;

/* Per-connection state for the protocol that owns the connection. The HTTP parser and any
 * long-lived protocol never need their state at the same time, so they share it. */
#ifndef CONN_PROTO_STATE
#define CONN_PROTO_STATE 1024
#endif

struct conn {
    struct altcp_pcb *pcb;
    uint8_t mode;        /* conn_mode_t */
    uint8_t close_after; /* close once the pending response has been handed to TCP */
    uint8_t in_request;  /* bytes of a request have arrived: the request timer runs */
    uint8_t proto_close; /* the protocol asked to close; done when its call returns */
    uint8_t req_ready;   /* a complete request waits for send room */
    int8_t buf_slot;     /* body/response pool slot held, or -1 */
    uint16_t index;
    uint16_t rx_off;       /* consumed bytes of the first pbuf of rx */
    struct pbuf *rx;       /* received, not yet consumed: its window stays closed */
    uint32_t t_request;    /* when the current request's first byte arrived */
    uint32_t t_active;     /* last activity, for the idle timeout */
    const uint8_t *tx_ptr; /* response bytes still to hand to TCP */
    uint32_t tx_left;
    const conn_proto_t *proto; /* CONN_STREAM: who owns the connection */
    union {
        http_parser_t http;
        _Alignas(8) uint8_t proto_state[CONN_PROTO_STATE];
    } u;
};

typedef struct {
    uint32_t accepted, refused, active, peak, http, stream, lingering, timeouts_408, idle_closed;
    uint32_t body_slots_used, body_slots_peak, spills, rx_aborts;
} http_server_stats_t;

void http_server_init(void);
int http_server_start(uint16_t port);
/* HTTPS on port, through port/altcp_tls3 (tls3_init first). Returns 0 on success. */
int http_server_start_tls(uint16_t port);
void http_server_stop(void);

/* Timeouts, deferred work and protocol ticks; returns non-zero if work is pending. */
int http_server_poll(uint32_t now_ms);

const http_server_stats_t *http_server_stats(void);

/* ---- Responses (for handlers) ------------------------------------------------------- */

/* Body lifetime: HTTP_BODY_COPY means the bytes may vanish after the call (the server
 * copies what TCP cannot take yet, at most HTTP_BODY_MAX); HTTP_BODY_STATIC means they
 * live until sent (flash, or a result the job store keeps). */
enum { HTTP_BODY_COPY = 0, HTTP_BODY_STATIC = 1 };

/* Send a whole response. extra_headers is "" or complete "Name: value\r\n" lines. */
void http_reply(conn_t *c, int status, const char *content_type, const void *body, size_t len,
                int lifetime, const char *extra_headers);

/* A JSON error: {"error":{"code","field"?,"message"}}; field may be NULL. */
void http_reply_error(conn_t *c, int status, const char *code, const char *field,
                      const char *message, const char *extra_headers);

/* A JSON document formatted by the caller into http_scratch(). */
void http_reply_json(conn_t *c, int status, size_t len);

/* A shared formatting buffer for one response at a time (single-threaded), of
 * HTTP_SCRATCH_SIZE bytes. */
char *http_scratch(void);

/* Write raw bytes now (copied); returns 0, or -1 if TCP cannot take them all. */
int conn_write(conn_t *c, const void *data, size_t len);
/* Bytes TCP can take now. */
size_t conn_space(conn_t *c);
/* Push written bytes onto the wire now, not at the next timer. */
void conn_flush(conn_t *c);
/* Close gracefully (queued bytes are still delivered). */
void conn_close(conn_t *c);
/* For a protocol, from inside its own callbacks: close once the callback has returned (its
 * state must stay intact until then). */
void conn_close_later(conn_t *c);
/* For code outside the server that wrote to a protocol connection (a fan-out): carry out a
 * close that the protocol asked for meanwhile. */
void conn_settle(conn_t *c);
/* Hand the connection to a long-lived protocol after the handler wrote its response head.
 * Any bytes already received after the request go to proto->on_bytes. */
void conn_take_over(conn_t *c, const conn_proto_t *proto);

#endif
