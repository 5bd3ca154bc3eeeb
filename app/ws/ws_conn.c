#include "app/ws/ws_conn.h"

#include <string.h>

#include "app/ws/ws_close.h"

const ws_limits_t ws_limits_default = {
    .msg_max = WS_MSG_MAX,
    .ping_interval_ms = WS_PING_INTERVAL_MS,
    .peer_timeout_ms = WS_PEER_TIMEOUT_MS,
    .close_timeout_ms = WS_CLOSE_TIMEOUT_MS,
};

enum {
    F_PONG = 1 << 0,      /* ctrl[0..ctrl_len) must go back as a pong */
    F_CLOSE = 1 << 1,     /* a close frame with close_tx must be sent */
    F_THEN_TCP = 1 << 2,  /* ...and then TCP closed: it answers the peer's close */
    F_DELIVER = 1 << 3,   /* rx_buf[rx_off..rx_len) waits for on_message */
    F_STREAMED = 1 << 4,  /* the current message's FIRST piece has been delivered */
    F_DIRTY = 1 << 5,     /* written since the last flush */
    F_NOTIFIED = 1 << 6,  /* on_close has been called */
    F_CLOSE_SENT = 1 << 7 /* our close frame is on its way */
};

/* ---- output ---------------------------------------------------------------------------- */

static void put(ws_conn_t *c, const void *p, size_t n)
{
    if (n == 0) return;
    c->io->write(c->io_ctx, p, n); /* room was checked by the caller */
    c->flags |= F_DIRTY;
}

/* One whole frame, or nothing when it does not fit the window now. */
static bool put_frame(ws_conn_t *c, uint8_t op, bool fin, const void *p, size_t n)
{
    uint8_t hdr[WS_HDR_MAX];
    size_t hl = ws_frame_header(hdr, op, fin, n);
    if (c->io->space(c->io_ctx) < hl + n) return false;
    put(c, hdr, hl);
    put(c, p, n);
    return true;
}

void ws_conn_flush(ws_conn_t *c)
{
    if (!(c->flags & F_DIRTY) || c->state == WS_ST_CLOSED) return;
    c->flags &= (uint16_t)~F_DIRTY;
    c->io->flush(c->io_ctx);
}

static void notify_close(ws_conn_t *c, uint16_t code)
{
    if (c->flags & F_NOTIFIED) return;
    c->flags |= F_NOTIFIED;
    if (c->h->on_close) c->h->on_close(c, code);
}

/* The end: the upper layer hears of it first, then TCP is closed. */
static void tcp_close(ws_conn_t *c)
{
    if (c->state == WS_ST_CLOSED) return;
    ws_conn_flush(c);
    c->state = WS_ST_CLOSED;
    c->flags &= (uint16_t) ~(F_PONG | F_CLOSE | F_DELIVER);
    notify_close(c, c->close_code ? c->close_code : WS_CLOSE_ABNORMAL);
    c->io->close(c->io_ctx);
}

/* Sends queued control frames, which may only go between frames. Returns true when none
 * is left waiting. */
static bool send_ctrl(ws_conn_t *c)
{
    if (!(c->flags & (F_PONG | F_CLOSE))) return true;
    if (c->tx_left) return false; /* never inside a frame the upper layer is writing */
    if (c->flags & F_PONG) {
        if (!put_frame(c, WS_OP_PONG, true, c->ctrl, c->ctrl_len)) return false;
        c->flags &= (uint16_t)~F_PONG;
    }
    if (c->flags & F_CLOSE) {
        uint8_t code[2] = {(uint8_t)(c->close_tx >> 8), (uint8_t)c->close_tx};
        if (!put_frame(c, WS_OP_CLOSE, true, code, c->close_tx ? 2 : 0)) return false;
        c->flags = (uint16_t)((c->flags & ~F_CLOSE) | F_CLOSE_SENT);
        if (c->flags & F_THEN_TCP) tcp_close(c);
    }
    return true;
}

/* Queues our close frame and stops delivering messages. */
static void start_close(ws_conn_t *c, uint16_t tx_code, uint16_t report, bool then_tcp)
{
    c->close_tx = tx_code;
    if (!c->close_code) c->close_code = report;
    c->flags |= F_CLOSE;
    if (then_tcp) c->flags |= F_THEN_TCP;
    c->flags &= (uint16_t) ~(F_PONG | F_DELIVER | F_STREAMED);
    c->rx_len = c->rx_off = 0;
    if (c->state == WS_ST_OPEN) {
        c->state = WS_ST_CLOSING;
        c->close_ms = c->now_ms;
    }
    send_ctrl(c);
}

/* _Fail the WebSocket Connection_ (§7.1.7) with this code. Input after it is scanned only
 * for the peer's close, when framing allows. */
static void fail(ws_conn_t *c, uint16_t code)
{
    if (c->state != WS_ST_OPEN) {
        /* Already closing: a second violation does not deserve more patience. */
        if (c->flags & F_CLOSE_SENT) tcp_close(c);
        return;
    }
    /* When framing is lost the peer's answer cannot be recognised: waiting for it would only
     * hold the connection for the close timeout, so TCP goes right after our close. */
    start_close(c, code, code, c->rx.state == WS_P_BROKEN);
}

/* ---- delivery ------------------------------------------------------------------------- */

/* Offers the waiting piece to the upper layer; true when nothing is left waiting. */
static bool try_deliver(ws_conn_t *c)
{
    if (!(c->flags & F_DELIVER)) return true;
    size_t n = (size_t)(c->rx_len - c->rx_off);
    int r = c->h->on_message(c, c->deliver_flags, c->rx_buf + c->rx_off, n);
    if (c->state != WS_ST_OPEN) { /* the upper layer closed from its callback */
        c->flags &= (uint16_t)~F_DELIVER;
        c->rx_len = c->rx_off = 0;
        return true;
    }
    if (r >= 0 && (size_t)r >= n) {
        c->flags &= (uint16_t)~F_DELIVER;
        if (c->deliver_flags & WS_MSG_LAST)
            c->flags &= (uint16_t)~F_STREAMED;
        else
            c->flags |= F_STREAMED;
        c->rx_len = c->rx_off = 0;
        return true;
    }
    if (r > 0) {
        c->rx_off = (uint16_t)(c->rx_off + r);
        c->deliver_flags &= (uint8_t)~WS_MSG_FIRST;
        c->flags |= F_STREAMED;
    }
    return false;
}

static void deliver(ws_conn_t *c, unsigned last)
{
    unsigned fl = c->rx_op | last;
    if (!(c->flags & F_STREAMED)) fl |= WS_MSG_FIRST;
    c->deliver_flags = (uint8_t)fl;
    c->rx_off = 0;
    c->flags |= F_DELIVER;
    try_deliver(c);
}

/* Everything that must happen before more input is read. */
static bool service(ws_conn_t *c)
{
    if (!send_ctrl(c)) return false;
    if (c->state != WS_ST_OPEN) return true;
    return try_deliver(c);
}

/* ---- input ---------------------------------------------------------------------------- */

static void frame_start(ws_conn_t *c)
{
    if (ws_op_is_control(c->rx.opcode)) {
        c->ctrl_len = 0;
    } else if (c->rx.opcode != WS_OP_CONT) {
        c->rx_op = c->rx.opcode;
        utf8_reset(&c->utf8);
    }
}

static void on_close_frame(ws_conn_t *c)
{
    if (c->state != WS_ST_OPEN) {
        /* The answer to our close: the handshake is complete. If ours has not even gone
         * out yet, send it first. */
        c->flags |= F_THEN_TCP;
        if (!(c->flags & F_CLOSE)) tcp_close(c);
        return;
    }
    uint16_t peer = 0;
    uint16_t err = ws_close_check(c->ctrl, c->ctrl_len, &peer);
    if (err) {
        fail(c, err);
        return;
    }
    /* Echo the peer's code (§5.5.1), or an empty close for an empty one. */
    start_close(c, peer == WS_CLOSE_NO_STATUS ? 0 : peer, peer, true);
}

static void frame_end(ws_conn_t *c)
{
    uint8_t op = c->rx.opcode;
    bool fin = c->rx.fin;
    ws_parser_next(&c->rx);
    if (op == WS_P_SKIP_OP) return;
    if (op == WS_OP_CLOSE) {
        on_close_frame(c);
    } else if (op == WS_OP_PING) {
        if (c->state == WS_ST_OPEN) {
            c->flags |= F_PONG; /* pong with the same payload, §5.5.3 */
            send_ctrl(c);
        }
    } else if (op == WS_OP_PONG) {
        /* unsolicited or not: only proof of life, already counted */
    } else if (fin && c->state == WS_ST_OPEN) {
        if (c->rx_op == WS_OP_TEXT && !utf8_complete(&c->utf8)) {
            fail(c, WS_CLOSE_BAD_DATA); /* the message ends inside a character */
            return;
        }
        deliver(c, WS_MSG_LAST);
    }
}

static size_t take_payload(ws_conn_t *c, const uint8_t *in, size_t n)
{
    uint8_t op = c->rx.opcode;
    if (ws_op_is_control(op) && op != WS_P_SKIP_OP) {
        size_t k = ws_parser_payload(&c->rx, in, n, c->ctrl + c->ctrl_len);
        c->ctrl_len = (uint8_t)(c->ctrl_len + k);
        return k;
    }
    if (op == WS_P_SKIP_OP || c->state != WS_ST_OPEN) return ws_parser_payload(&c->rx, in, n, NULL);

    if (c->rx_len == WS_RX_BUF) {
        /* More payload and no room: this message is too large to be delivered whole. */
        deliver(c, 0);
        return 0;
    }
    size_t room = (size_t)(WS_RX_BUF - c->rx_len);
    uint8_t *dst = c->rx_buf + c->rx_len;
    size_t k = ws_parser_payload(&c->rx, in, n < room ? n : room, dst);
    if (c->rx_op == WS_OP_TEXT && utf8_feed(&c->utf8, dst, k) != k) {
        fail(c, WS_CLOSE_BAD_DATA); /* fail fast: the rest of the message is not awaited */
        return k;
    }
    c->rx_len = (uint16_t)(c->rx_len + k);
    return k;
}

size_t ws_conn_on_bytes(ws_conn_t *c, const uint8_t *p, size_t n)
{
    if (c->state == WS_ST_CLOSED) return n;
    size_t i = 0;
    for (;;) {
        if (!service(c)) break;
        if (c->state == WS_ST_CLOSED) {
            i = n;
            break;
        }
        if (c->rx.state == WS_P_FRAME_END) {
            frame_end(c);
            continue;
        }
        if (i == n) break;
        if (c->rx.state == WS_P_BROKEN) {
            i = n; /* no frame boundaries any more: wait for TCP to go */
        } else if (c->rx.state == WS_P_HEADER) {
            uint16_t err = 0;
            i += ws_parser_header(&c->rx, p + i, n - i, &err);
            if (err)
                fail(c, err);
            else if (c->rx.state != WS_P_HEADER)
                frame_start(c);
        } else {
            i += take_payload(c, p + i, n - i);
        }
    }
    if (i) c->last_rx_ms = c->now_ms;
    /* A message that is being streamed goes up as its bytes arrive, not only when the
     * buffer is full. */
    if (c->state == WS_ST_OPEN && (c->flags & F_STREAMED) && !(c->flags & F_DELIVER) && c->rx_len)
        deliver(c, 0);
    ws_conn_flush(c);
    return i;
}

bool ws_conn_rx_ready(const ws_conn_t *c)
{
    if (c->state == WS_ST_CLOSED) return true;
    return !(c->flags & (F_PONG | F_CLOSE | F_DELIVER));
}

/* ---- lifecycle -------------------------------------------------------------------------- */

void ws_conn_open(ws_conn_t *c, const ws_io_t *io, void *io_ctx, const ws_handler_t *h, void *user,
                  const ws_limits_t *lim, uint32_t now_ms)
{
    memset(c, 0, sizeof(*c));
    c->io = io;
    c->io_ctx = io_ctx;
    c->h = h;
    c->user = user;
    c->lim = lim ? lim : &ws_limits_default;
    ws_parser_init(&c->rx, c->lim->msg_max);
    utf8_reset(&c->utf8);
    c->now_ms = c->last_rx_ms = c->last_ping_ms = now_ms;
    c->state = WS_ST_OPEN;
    if (h->on_open) h->on_open(c);
    ws_conn_flush(c);
}

void ws_conn_on_writable(ws_conn_t *c)
{
    if (c->state == WS_ST_CLOSED) return;
    service(c);
    /* While closing, the upper layer may still owe the rest of a frame it began. */
    if (c->h->on_writable && (c->state == WS_ST_OPEN || c->tx_left)) c->h->on_writable(c);
    service(c);
    ws_conn_flush(c);
}

/* Milliseconds from then to now, robust to wrap-around and to a caller whose clock reading
 * is a little older than a stamp taken from a later reading (never "negative"). */
static uint32_t since(uint32_t now, uint32_t then)
{
    uint32_t d = now - then;
    return d > 0x7FFFFFFFu ? 0 : d;
}

void ws_conn_tick(ws_conn_t *c, uint32_t now_ms)
{
    c->now_ms = now_ms;
    if (c->state == WS_ST_CLOSED) return;
    service(c);
    const ws_limits_t *lim = c->lim;
    if (c->state == WS_ST_CLOSING) {
        if (since(now_ms, c->close_ms) >= lim->close_timeout_ms) {
            if (!c->close_code) c->close_code = WS_CLOSE_ABNORMAL;
            tcp_close(c);
        }
        return;
    }
    if (c->state != WS_ST_OPEN) return;
    uint32_t idle = since(now_ms, c->last_rx_ms);
    if (lim->peer_timeout_ms && idle >= lim->peer_timeout_ms) {
        c->close_code = WS_CLOSE_ABNORMAL; /* dead peers get no close handshake */
        tcp_close(c);
        return;
    }
    if (lim->ping_interval_ms && idle >= lim->ping_interval_ms &&
        since(now_ms, c->last_ping_ms) >= lim->ping_interval_ms && !c->tx_left &&
        !(c->flags & (F_PONG | F_CLOSE))) {
        if (put_frame(c, WS_OP_PING, true, NULL, 0)) c->last_ping_ms = now_ms;
    }
    ws_conn_flush(c);
}

void ws_conn_on_tcp_closed(ws_conn_t *c)
{
    if (c->state == WS_ST_CLOSED) return;
    c->state = WS_ST_CLOSED;
    c->flags &= (uint16_t) ~(F_PONG | F_CLOSE | F_DELIVER | F_DIRTY);
    /* A close handshake that completed reports its code; anything else is abnormal. */
    notify_close(c, (c->flags & F_CLOSE_SENT) && c->close_code ? c->close_code : WS_CLOSE_ABNORMAL);
}

void ws_conn_close(ws_conn_t *c, uint16_t code)
{
    if (c->state != WS_ST_OPEN) return;
    start_close(c, code, code, false);
    ws_conn_flush(c);
}

/* ---- sending ---------------------------------------------------------------------------- */

size_t ws_conn_tx_space(ws_conn_t *c)
{
    if (c->state != WS_ST_OPEN || c->tx_left || !send_ctrl(c)) return 0;
    size_t s = c->io->space(c->io_ctx);
    /* The largest p with p + header(p) <= s; the header grows at 126 and 65536. */
    if (s < 2) return 0;
    if (s <= 127) return s - 2;
    if (s <= 129) return 125;
    if (s - 4 <= 0xFFFF) return s - 4;
    if (s - 10 <= 0xFFFF) return 0xFFFF;
    return s - 10;
}

size_t ws_conn_tx_pending(const ws_conn_t *c)
{
    size_t n = (size_t)c->tx_left;
    if (c->flags & F_PONG) n += 2u + c->ctrl_len;
    if (c->flags & F_CLOSE) n += 4;
    return n;
}

/* Opcode sequencing of what we send (the mirror of what we check on input). */
static int check_seq(const ws_conn_t *c, uint8_t op)
{
    if (c->state != WS_ST_OPEN) return WS_ERR_CLOSED;
    if (c->tx_left) return WS_ERR_SEQ;
    if (c->tx_msg ? op != WS_OP_CONT : (op != WS_OP_TEXT && op != WS_OP_BINARY)) return WS_ERR_SEQ;
    return 0;
}

static void after_frame(ws_conn_t *c, uint8_t op, bool fin)
{
    if (fin)
        c->tx_msg = 0;
    else if (op != WS_OP_CONT)
        c->tx_msg = op;
}

int ws_conn_send_frame(ws_conn_t *c, uint8_t op, bool fin, const void *p, size_t n)
{
    int e = check_seq(c, op);
    if (e) return e;
    if (ws_conn_tx_space(c) < n) return WS_BUSY;
    put_frame(c, op, fin, p, n);
    after_frame(c, op, fin);
    return 0;
}

int ws_conn_send(ws_conn_t *c, uint8_t op, const void *p, size_t n)
{
    if (c->state == WS_ST_OPEN && c->tx_msg) return WS_ERR_SEQ;
    return ws_conn_send_frame(c, op, true, p, n);
}

int ws_conn_frame_begin(ws_conn_t *c, uint8_t op, bool fin, uint64_t len)
{
    int e = check_seq(c, op);
    if (e) return e;
    if (!send_ctrl(c)) return WS_BUSY;
    uint8_t hdr[WS_HDR_MAX];
    size_t hl = ws_frame_header(hdr, op, fin, len);
    if (c->io->space(c->io_ctx) < hl) return WS_BUSY;
    put(c, hdr, hl);
    c->tx_left = len;
    after_frame(c, op, fin);
    return 0;
}

size_t ws_conn_frame_write(ws_conn_t *c, const void *p, size_t n)
{
    if (c->state == WS_ST_CLOSED || !c->tx_left) return 0;
    size_t k = c->io->space(c->io_ctx);
    if (k > n) k = n;
    if ((uint64_t)k > c->tx_left) k = (size_t)c->tx_left;
    put(c, p, k);
    c->tx_left -= k;
    if (!c->tx_left) send_ctrl(c); /* a pong or close may have been waiting for this */
    return k;
}
