/* The connection core: a fixed table of TCP connections over lwIP's altcp API, each owned by
 * one protocol at a time (HTTP first; WebSocket, SSE, ... after a take-over). It keeps what
 * every protocol needs alike: the connection's life (accept, graceful close, linger, reset),
 * received input held in lwIP until the protocol takes it (TCP back-pressure), and output
 * staged and promised within what lwIP will really accept.
 *
 * Split by concern, as lwIP splits tcp.c / tcp_in.c / tcp_out.c:
 *   conn.c      the table, modes and lifecycle, listen and accept, the per-pass poll
 *   conn_in.c   held receive input and its delivery to the protocol
 *   conn_out.c  output staging, the send budget, pending output and spills
 * Every protocol has the same callback shape (conn_proto_t) and never sees the struct. */
#ifndef EDGE_NET_CONN_H
#define EDGE_NET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h"

struct altcp_pcb;

typedef struct conn conn_t;

/* A reference that survives the connection: conn_deref() gives NULL once that connection
 * has closed, even if its slot now serves another one. For sessions that outlive a
 * connection (Socket.IO) and for anything that keeps a connection across passes. */
typedef struct {
    uint16_t index;
    uint16_t gen; /* 0: refers to nothing */
} conn_ref_t;

typedef enum {
    CONN_KIND_REQUEST = 0, /* request/response (HTTP): counted as "http" */
    CONN_KIND_STREAM,      /* long-lived (WebSocket, SSE, ...): counted as "streams" */
} conn_kind_t;

/* One callback shape for every protocol. All callbacks are optional but on_bytes. */
typedef struct conn_proto {
    const char *name; /* "http", "ws", "sse": logs */
    uint8_t kind;     /* conn_kind_t */
    /* The protocol has just been given the connection (its state area is zeroed). */
    void (*on_open)(conn_t *c);
    /* Bytes from the peer; return how many were taken (fewer = back-pressure: the rest
     * stays in lwIP with the TCP window closed, offered again later). */
    size_t (*on_bytes)(conn_t *c, const uint8_t *data, size_t len);
    /* The peer acknowledged data: there may be room to send. */
    void (*on_writable)(conn_t *c);
    /* Every superloop pass; returns non-zero if it has work pending (no idle sleep). */
    int (*on_tick)(conn_t *c, uint32_t now_ms);
    /* The protocol loses the connection (closed, reset, or handed to another protocol):
     * release what it holds. */
    void (*on_close)(conn_t *c);
    /* Listener protocols only: format the answer for a connection that cannot be served
     * (table full) into buf; returns its length. NULL: close without a word. */
    size_t (*refusal)(char *buf, size_t cap);
    /* Is the connection only waiting for its peer (connected or kept alive with no request,
     * or a request that is not complete)? If so, set *since to when it began waiting and
     * return non-zero: a new connection that finds the table full may take its place (see
     * on_accept in conn.c). NULL: never (streams, WebSocket sessions). */
    int (*waiting)(conn_t *c, uint32_t *since);
} conn_proto_t;

typedef struct {
    uint32_t accepted, refused, active, peak, http, stream, lingering;
    uint32_t slots_used, slots_peak, spills, rx_aborts;
    uint32_t evicted; /* waiting connections given up for a new one (table full) */
} conn_stats_t;

void conn_init(void);
/* Wraps an accepted TCP connection into the altcp PCB the connection uses (TLS, for
 * example). Returns NULL to refuse it (then inner is untouched and the core closes it). */
typedef struct altcp_pcb *(*conn_wrap_fn)(struct altcp_pcb *inner);

/* Accept connections on port; each starts with proto. wrap: NULL for plain TCP. Returns 0,
 * or -1. */
int conn_listen(uint16_t port, const conn_proto_t *proto, conn_wrap_fn wrap);
/* Close every connection and stop accepting (the superloop is ending). */
void conn_shutdown(void);
/* Timeouts, pending output and protocol ticks; returns non-zero if work is pending. */
int conn_poll(uint32_t now_ms);
/* Push whatever a writer staged and did not flush (called once per pass). */
void conn_flush_staged(void);
const conn_stats_t *conn_stats(void);
/* Is the table under pressure (fewer than a quarter of its slots free)? Protocols then
 * shorten how long they wait for a slow or silent peer. */
int conn_pressure(void);

/* ---- for protocols ---------------------------------------------------------------- */

/* The protocol's state area: CONN_STATE_SIZE bytes, 8-aligned, zeroed when the protocol
 * is given the connection. */
void *conn_state(conn_t *c);
unsigned conn_index(const conn_t *c);
conn_ref_t conn_ref(conn_t *c);
conn_t *conn_deref(conn_ref_t r);
uint32_t conn_last_active(const conn_t *c);
/* Did the connection come through a listener's wrap (TLS: HTTPS, WSS)? */
int conn_wrapped(const conn_t *c);

/* Give the connection to another protocol: the old one's on_close, a zeroed state area,
 * the new one's on_open; the counters follow. Bytes already received and not taken go to
 * the new protocol. The one way a connection changes hands. */
void conn_set_proto(conn_t *c, const conn_proto_t *proto);
const conn_proto_t *conn_proto(const conn_t *c);

/* Bytes conn_write() takes now: a promise that any writes adding up to that many succeed,
 * until the next flush or another connection's conn_space() (which commits what this one
 * staged). */
size_t conn_space(conn_t *c);
/* Write raw bytes now (copied); returns 0, or -1 if TCP cannot take them all. */
int conn_write(conn_t *c, const void *data, size_t len);
/* Body lifetime for conn_send(): CONN_COPY, the bytes may vanish after the call (what TCP
 * cannot take yet is copied into a pool slot, at most CONN_SLOT_SIZE); CONN_STATIC, they
 * live until sent (flash, or a result the job store keeps). */
enum { CONN_COPY = 0, CONN_STATIC = 1 };
/* Send len bytes, as many now as TCP takes and the rest as the peer acknowledges. Returns
 * 0, or -1 (and closes the connection) when the rest has nowhere to wait. */
int conn_send(conn_t *c, const void *data, size_t len, int lifetime);
/* Output still waiting for TCP (conn_send's rest, or a spill)? */
int conn_sending(const conn_t *c);
/* Push written bytes onto the wire now, not at the next timer. */
void conn_flush(conn_t *c);

/* Close gracefully: pending output is still delivered, then FIN, then the slot lingers
 * until the peer's FIN (a full close with data arriving would make lwIP send a RST, which
 * can destroy the last response before the peer read it). */
void conn_close(conn_t *c);
/* Close once everything pending has been handed to TCP. */
void conn_close_when_sent(conn_t *c);
/* From inside a protocol's own callbacks: close once the callback has returned (its state
 * must stay intact until then). */
void conn_close_later(conn_t *c);
/* For code outside the core that wrote to a connection (a fan-out): carry out a close that
 * the protocol asked for meanwhile. */
void conn_settle(conn_t *c);
/* Is a close asked for or under way (no more requests should be served)? */
int conn_closing(const conn_t *c);

/* A pool slot of CONN_SLOT_SIZE bytes held by the connection until it closes or
 * conn_slot_put(): request bodies, response tails and spills share CONN_SLOTS of them.
 * Returns the slot's memory, or NULL when every slot is busy. */
uint8_t *conn_slot_get(conn_t *c);
void conn_slot_put(conn_t *c);

#endif
