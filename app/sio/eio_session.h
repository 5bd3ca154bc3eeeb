/* One Engine.IO v4 session: which transport carries it, the upgrade from polling to
 * WebSocket, server pings and the client's pong deadline, and a small queue of packets
 * waiting for the transport. Pure code: it never touches a connection. The glue
 * (app/sio/sio_http.c) owns the HTTP requests and WebSocket connections, tells the session
 * what arrived, and is told through eio_hooks_t what to do:
 *
 *   polling   each GET is offered with eio_sess_get(); a parked GET is answered when
 *             eio_sess_has_output() (the glue drains the queue with eio_sess_peek/pop, at
 *             most EIO_POLL_MAX_PACKETS packets per response, or sends "6" when
 *             eio_sess_take_noop() says one is owed); a POST body goes to eio_sess_post().
 *   websocket each text frame goes to eio_sess_ws_packet(); queued packets go out one per
 *             frame.
 *   upgrade   a WebSocket request with the sid of a polling session: eio_sess_probe_begin();
 *             its frames go to eio_sess_ws_packet() with probe = 1. "2probe" is answered
 *             "3probe" (EIO_WS_PROBE_REPLY), the parked GET gets a noop, and "5" moves the
 *             session onto the WebSocket (EIO_WS_UPGRADED). Not done within
 *             upgrade_timeout_ms: hooks->probe_failed, the session stays on polling.
 *   time      eio_sess_tick() every pass: a ping every ping_interval_ms after the last pong;
 *             no pong within ping_timeout_ms closes the session.
 *
 * hooks->closed is called once when the session ends, from inside the call that ended it;
 * the glue answers a parked GET with the close packet, closes its WebSockets, and may reuse
 * the struct after that call has returned. */
#ifndef EDGE_EIO_SESSION_H
#define EDGE_EIO_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/sio/eio.h"

#define EIO_POLL_MAX_PACKETS 16 /* python-engineio drops a payload with more */

typedef struct eio_sess eio_sess_t;

typedef enum {
    EIO_REASON_CLIENT = 1, /* the client sent a close packet */
    EIO_REASON_TRANSPORT,  /* its connection closed or failed */
    EIO_REASON_PING,       /* no pong in time */
    EIO_REASON_PARSE,      /* a malformed packet or payload */
    EIO_REASON_OVERLAP,    /* a second GET or POST while one was in flight */
    EIO_REASON_SERVER,     /* closed by the server (eio_sess_close) */
} eio_reason_t;

typedef struct {
    /* The data of a message packet ("4..."), for the Socket.IO layer. Returns 0, or -1 to
     * close the session as malformed. */
    int (*message)(eio_sess_t *s, const uint8_t *p, size_t n);
    /* A binary packet arrived (a binary frame, or "b..." in a polling payload): 0 to
     * swallow it (an attachment the Socket.IO layer refused already), -1 to close the
     * session as malformed. Optional: without it every binary packet is malformed. */
    int (*binary)(eio_sess_t *s);
    /* Packets wait (or a noop is owed): deliver them if a transport can take them now. */
    void (*output)(eio_sess_t *s);
    /* The upgrade probe failed or timed out: close the probing WebSocket. Optional. */
    void (*probe_failed)(eio_sess_t *s);
    /* The session is over. */
    void (*closed)(eio_sess_t *s, eio_reason_t why);
} eio_hooks_t;

typedef enum { EIO_ST_OPEN = 0, EIO_ST_CLOSED } eio_state_t;
typedef enum { EIO_UP_NONE = 0, EIO_UP_PROBING, EIO_UP_PROBED } eio_upgrade_t;

typedef struct {
    uint32_t ping_interval_ms, ping_timeout_ms, upgrade_timeout_ms;
} eio_limits_t;

extern const eio_limits_t eio_limits_default; /* the app/config.h values */

struct eio_sess {
    const eio_hooks_t *h;
    const eio_limits_t *lim;
    void *user;
    char sid[EIO_SID_LEN + 1];
    uint8_t state;     /* eio_state_t */
    uint8_t transport; /* eio_transport_t carrying the session now */
    uint8_t upgrade;   /* eio_upgrade_t */
    uint8_t get_parked, post_busy, noop_owed, pong_wait;
    uint32_t now_ms;
    uint32_t ping_at_ms;    /* next ping (when !pong_wait) or pong deadline (when pong_wait) */
    uint32_t upgrade_by_ms; /* probe deadline */
    uint16_t q_len;         /* bytes in q */
    uint8_t q_count;        /* packets in q */
    /* Queued packets, each as a 2-byte length and the packet (type digit first). */
    uint8_t q[EIO_TXQ_SIZE];
};

/* Starts a session on transport (EIO_TR_POLLING or EIO_TR_WEBSOCKET) and queues the open
 * packet. lim may be NULL for the defaults. */
void eio_sess_open(eio_sess_t *s, const char *sid, eio_transport_t transport, uint32_t max_payload,
                   const eio_hooks_t *h, const eio_limits_t *lim, void *user, uint32_t now_ms);

/* A polling GET arrived. 0: park it (answer when there is output); EIO_ERR_BAD: the session
 * is not on polling (answer 400, the session stays); -1: it overlapped a parked GET (the
 * session was closed; answer this one 400 Bad request). */
int eio_sess_get(eio_sess_t *s);
/* The parked GET was answered, or its connection went away. */
void eio_sess_get_done(eio_sess_t *s);

/* A POST body. 0: answer "ok"; EIO_ERR_BAD: not on polling (400, session stays); -1: the
 * body was malformed or overlapped another POST (the session was closed; answer 400). The
 * glue may bracket a body it receives in pieces with post_begin/post_end so that a second
 * POST meanwhile is seen as an overlap. */
int eio_sess_post(eio_sess_t *s, const uint8_t *body, size_t n);
int eio_sess_post_begin(eio_sess_t *s); /* 0, or -1 (overlap: closed) */
void eio_sess_post_end(eio_sess_t *s);

/* A WebSocket request carrying this session's sid. 0: accept it as the upgrade probe;
 * EIO_ERR_BAD: not possible now (already on WebSocket, or probing). */
int eio_sess_probe_begin(eio_sess_t *s);

enum {
    EIO_WS_OK = 0,
    EIO_WS_PROBE_REPLY = 1, /* send "3probe" on the probing WebSocket now */
    EIO_WS_UPGRADED = 2,    /* the session now runs on the probing WebSocket */
    EIO_WS_CLOSED = -1,     /* the session was closed */
    EIO_WS_PROBE_BAD = -2,  /* the probe broke the protocol: close the probe only */
};

/* One text frame from the session's WebSocket (probe = 0) or the probing one (probe = 1).
 * Binary frames are malformed input: pass them with binary = 1. */
int eio_sess_ws_packet(eio_sess_t *s, int probe, int binary, const uint8_t *p, size_t n);

/* The session's transport connection closed (the WebSocket, when on WebSocket; a polling
 * session has no connection between requests), or the probing one did (probe = 1). */
void eio_sess_transport_gone(eio_sess_t *s, int probe);

void eio_sess_tick(eio_sess_t *s, uint32_t now_ms);

/* Ends the session from the server side. */
void eio_sess_close(eio_sess_t *s, eio_reason_t why);

/* Queues a packet (type digit then data). 0, or -1 when the queue has no room. */
int eio_sess_send(eio_sess_t *s, uint8_t type, const void *data, size_t n);
/* Room for a packet with this much data? */
int eio_sess_can_send(const eio_sess_t *s, size_t n);

/* The oldest queued packet (NULL when none) and its length; pop removes it. */
const uint8_t *eio_sess_peek(const eio_sess_t *s, size_t *n);
void eio_sess_pop(eio_sess_t *s);

/* Is a noop owed to the parked GET (upgrade in progress)? Clears it. */
int eio_sess_take_noop(eio_sess_t *s);

/* Anything for the transport (queued packets or an owed noop)? */
int eio_sess_has_output(const eio_sess_t *s);

#endif
