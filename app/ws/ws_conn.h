/* One WebSocket connection after the handshake: RFC 6455 §5-§7 on top of a byte stream.
 *
 * Pure code: no lwIP, no OS, no allocation. The connection reaches the network only through
 * ws_io_t, which the HTTP server implements over altcp, and reaches its upper layer (the
 * /ws/test echo, the /ws JSON protocol, Socket.IO) only through ws_handler_t.
 *
 * Server side, in order:
 *   ws_conn_open()        once the 101 response has been queued (calls handler->on_open);
 *   ws_conn_on_bytes()    with received bytes; returns how many it consumed. It consumes
 *                         fewer when the output side is full (a pong, a close, or an upper
 *                         layer that cannot take a message yet): keep the rest, do not
 *                         acknowledge it to TCP (no tcp_recved), and offer it again after the
 *                         next ws_conn_on_writable()/ws_conn_tick() — ws_conn_rx_ready() says
 *                         when it would be taken. This is how TCP back-pressure reaches a
 *                         peer that sends faster than it reads.
 *   ws_conn_on_writable() when the TCP send window opened (lwIP's sent callback);
 *   ws_conn_tick()        every superloop pass, for keep-alive and timeouts;
 *   ws_conn_on_tcp_closed() when the peer closed or reset TCP, or the PCB errored.
 * io->close() is called at most once, from inside one of these calls, when the connection is
 * finished; the server must not reuse the ws_conn_t before that call has returned to it
 * (check ws_conn_state() == WS_ST_CLOSED after each call instead of freeing in close()).
 * After io->close() the connection only swallows input.
 *
 * Upper layer: messages arrive through handler->on_message (see ws_msg_fn); it sends with
 * ws_conn_send() (a whole message in one frame), ws_conn_send_frame() (one fragment of a
 * message) or ws_conn_frame_begin()/ws_conn_frame_write() (one frame of any length written
 * in pieces). Back-pressure: ws_conn_tx_space() is the largest payload that can go out whole
 * right now; when it is too small, stop, and continue from handler->on_writable. Writes are
 * flushed (io->flush) at the end of every on_bytes/on_writable/tick call; an upper layer
 * that sends from elsewhere (a fan-out) calls ws_conn_flush() after its batch. */
#ifndef EDGE_WS_CONN_H
#define EDGE_WS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/ws/ws_frame.h"
#include "app/util/utf8.h"

typedef struct ws_conn ws_conn_t;

/* The transport, implemented by the server over altcp (and by test doubles). */
typedef struct {
    size_t (*space)(void *ctx);                       /* bytes write() accepts now */
    int (*write)(void *ctx, const void *p, size_t n); /* copies; 0 ok, -1 no room */
    void (*flush)(void *ctx);                         /* push queued bytes out now */
    void (*close)(void *ctx);                         /* close TCP */
} ws_io_t;

/* on_message flags: the message type (WS_OP_TEXT or WS_OP_BINARY, in the low bits) and
 * where this piece sits in its message. */
enum {
    WS_MSG_TYPE = 0x0F,
    WS_MSG_FIRST = 0x10, /* first piece of the message */
    WS_MSG_LAST = 0x20,  /* last piece: the message is complete after it */
};

/* Return value of on_message meaning "nothing taken, offer it again later". */
#define WS_BUSY (-1)

/* A message, or a piece of one. A message whose payload fits WS_RX_BUF arrives whole, in one
 * call with FIRST|LAST; a larger one arrives as a FIRST piece, pieces without flags, and a
 * LAST piece (which may be empty), each at most WS_RX_BUF bytes, as the bytes arrive. Text
 * is valid UTF-8 as a whole; a piece may end inside a character. p is valid only during
 * the call.
 * Returns how many of the n bytes were taken. Fewer than n (or WS_BUSY, needed to refuse an
 * empty piece) means "no room now": the rest is offered again later, after on_writable,
 * without the FIRST flag if some bytes were taken. Meanwhile no further input is read. */
typedef int (*ws_msg_fn)(ws_conn_t *c, unsigned flags, const uint8_t *p, size_t n);

typedef struct {
    void (*on_open)(ws_conn_t *c);     /* may send; optional */
    ws_msg_fn on_message;              /* required */
    void (*on_writable)(ws_conn_t *c); /* output room may have appeared; optional */
    /* The connection is over (called once): the code the peer sent, the one we sent when we
     * closed first or failed the connection, or 1006 when TCP went away without a close
     * handshake (dead peer, reset, timeout). Optional. */
    void (*on_close)(ws_conn_t *c, uint16_t code);
} ws_handler_t;

/* Runtime limits; ws_limits_default holds the app/config.h values. A pointer is kept, so the
 * struct must outlive the connection (make it static const). */
typedef struct {
    uint32_t msg_max;          /* largest data message, bytes; larger: close 1009 */
    uint32_t ping_interval_ms; /* idle time before a keep-alive ping; 0: none */
    uint32_t peer_timeout_ms;  /* idle time before the peer is declared dead; 0: never */
    uint32_t close_timeout_ms; /* wait for the peer's close after ours */
} ws_limits_t;

extern const ws_limits_t ws_limits_default;

typedef enum {
    WS_ST_OPEN = 0, /* messages flow */
    WS_ST_CLOSING,  /* a close frame was sent or is queued; input is only scanned for the
                       peer's close */
    WS_ST_CLOSED,   /* TCP closed (io->close called) or gone */
} ws_state_t;

/* Errors of the send functions (besides WS_BUSY: no room now, try after on_writable). */
#define WS_ERR_CLOSED (-2) /* not open any more */
#define WS_ERR_SEQ                                                                                 \
    (-3) /* opcode out of sequence (CONT without a start, or a new                                 \
            message while a fragmented one is open, or a frame in                                  \
            progress) */

struct ws_conn {
    const ws_io_t *io;
    void *io_ctx;
    const ws_handler_t *h;
    void *user; /* for the server / upper layer */
    const ws_limits_t *lim;
    ws_parser_t rx;
    uint64_t tx_left; /* payload bytes still owed for a frame begun by ws_conn_frame_begin */
    uint32_t now_ms;  /* time of the last tick */
    uint32_t last_rx_ms;
    uint32_t last_ping_ms;
    uint32_t close_ms;   /* when the connection entered WS_ST_CLOSING */
    uint32_t app;        /* free for the upper layer (flags, a slot index...) */
    uint16_t rx_len;     /* bytes in rx_buf */
    uint16_t rx_off;     /* of which already taken by on_message */
    uint16_t close_tx;   /* code of the close frame we send (0: empty payload) */
    uint16_t close_code; /* reported to on_close */
    uint16_t flags;
    uint8_t state;         /* ws_state_t */
    uint8_t ctrl_len;      /* bytes in ctrl */
    uint8_t deliver_flags; /* flags of the piece waiting in rx_buf */
    uint8_t tx_msg;        /* opcode of our fragmented message in progress, or 0 */
    uint8_t rx_op;         /* WS_OP_TEXT/BINARY: type of the message being received */
    utf8_t utf8;           /* of the text message being received */
    uint8_t ctrl[WS_CTRL_MAX];
    uint8_t rx_buf[WS_RX_BUF];
};

/* Starts the connection (after the 101 has been queued) and calls h->on_open. lim may be
 * NULL for ws_limits_default. */
void ws_conn_open(ws_conn_t *c, const ws_io_t *io, void *io_ctx, const ws_handler_t *h, void *user,
                  const ws_limits_t *lim, uint32_t now_ms);

size_t ws_conn_on_bytes(ws_conn_t *c, const uint8_t *p, size_t n);
void ws_conn_on_writable(ws_conn_t *c);
void ws_conn_tick(ws_conn_t *c, uint32_t now_ms);
void ws_conn_on_tcp_closed(ws_conn_t *c);

static inline ws_state_t ws_conn_state(const ws_conn_t *c)
{
    return (ws_state_t)c->state;
}

/* Would ws_conn_on_bytes() consume anything now? */
bool ws_conn_rx_ready(const ws_conn_t *c);

/* Largest payload that one frame can carry out whole right now (0 when closing, when a frame
 * begun with ws_conn_frame_begin is unfinished, or when a pong waits for room). */
size_t ws_conn_tx_space(ws_conn_t *c);

/* Bytes this connection still owes the wire: the rest of a frame in progress plus queued
 * control frames. (What TCP itself holds is the server's to tell.) */
size_t ws_conn_tx_pending(const ws_conn_t *c);

/* Sends a whole message (op WS_OP_TEXT or WS_OP_BINARY) as one frame, all or nothing.
 * 0, WS_BUSY, WS_ERR_CLOSED or WS_ERR_SEQ. Text must be UTF-8 (not checked). */
int ws_conn_send(ws_conn_t *c, uint8_t op, const void *p, size_t n);

/* Sends one frame of a fragmented message, all or nothing: op is WS_OP_TEXT/BINARY for the
 * first, WS_OP_CONT for the others, fin on the last. Control frames of our own (keep-alive,
 * pongs) are interleaved between fragments as needed. Same returns as ws_conn_send. */
int ws_conn_send_frame(ws_conn_t *c, uint8_t op, bool fin, const void *p, size_t n);

/* Begins one frame of len payload bytes, written afterwards in any number of pieces with
 * ws_conn_frame_write (as the window allows). Needs room for the header only. Same returns
 * and sequencing as ws_conn_send_frame. Nothing else goes out until the frame is complete. */
int ws_conn_frame_begin(ws_conn_t *c, uint8_t op, bool fin, uint64_t len);

/* Writes up to n payload bytes of the frame begun; returns how many went (0 when no room). */
size_t ws_conn_frame_write(ws_conn_t *c, const void *p, size_t n);

/* Starts the close handshake with this code (§7.1.2); the TCP connection is closed when the
 * peer answers or after close_timeout_ms. */
void ws_conn_close(ws_conn_t *c, uint16_t code);

/* Pushes out what the send functions queued (io->flush), if anything. */
void ws_conn_flush(ws_conn_t *c);

#endif
