/* Receive side of the connection core. Received data stays in lwIP's pbufs until the
 * protocol takes it, and the TCP window is reopened (altcp_recved) only for what was taken:
 * a peer that sends faster than it is served is slowed by TCP itself. */
#include "app/board.h"
#include "app/log.h"
#include "app/net/conn_internal.h"
#include "lwip/altcp.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"

/* Mark n bytes of rx taken and reopen that much TCP window. */
static void rx_consume(conn_t *c, size_t n)
{
    if (n == 0) return;
    if (c->pcb) altcp_recved(c->pcb, (u16_t)n);
    c->rx_off = (uint16_t)(c->rx_off + n);
    while (c->rx && c->rx_off >= c->rx->len) {
        struct pbuf *p = c->rx;
        c->rx_off = (uint16_t)(c->rx_off - p->len);
        c->rx = p->next;
        if (c->rx) pbuf_ref(c->rx);
        pbuf_free(p);
    }
}

void conn_rx_drop(conn_t *c)
{
    if (c->rx) {
        if (c->pcb) altcp_recved(c->pcb, (u16_t)(c->rx->tot_len - c->rx_off));
        pbuf_free(c->rx);
        c->rx = NULL;
        c->rx_off = 0;
    }
}

void conn_rx_deliver(conn_t *c)
{
    while (c->mode == CONN_OPEN && c->rx) {
        if (c->close_after) { /* the last answer is going out: later input is moot */
            conn_rx_drop(c);
            return;
        }
        const conn_proto_t *p = c->proto;
        const uint8_t *data = (const uint8_t *)c->rx->payload + c->rx_off;
        size_t len = c->rx->len - c->rx_off;
        size_t used = p->on_bytes(c, data, len);
        if (c->mode != CONN_OPEN) return;
        rx_consume(c, used);
        if (c->close_req) {
            conn_close(c);
            return;
        }
        /* Nothing taken is back-pressure. Anything taken means progress: the rest is
         * offered at once (a body after its headers, a pipelined request after its
         * predecessor was answered, or, if the connection changed hands, the new
         * protocol's bytes after a WebSocket upgrade request). */
        if (used == 0 && c->proto == p) return;
    }
}

/* Input that must wait (its protocol is back-pressured) moves out of the receive pool into
 * one heap copy. The pool holds frames in flight: if waiting input filled it, the ACKs that
 * would let the protocol continue could no longer be received, and every connection would
 * stall (a peer sending 1-byte segments would fill it alone). The copy is bounded by the
 * TCP window; if the heap cannot take it, the input stays where it is. Returns -1 when the
 * connection had to be aborted. */
static int rx_park(conn_t *c)
{
    struct pbuf *p = c->rx;
    int pooled = 0;
    for (struct pbuf *q = p; q; q = q->next)
        pooled += pbuf_get_allocsrc(q) == PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL;
    if (!pooled) return 0;
    u16_t n = (u16_t)(p->tot_len - c->rx_off);
    struct pbuf *ram = pbuf_alloc(PBUF_RAW, n, PBUF_RAM);
    if (!ram) {
        const struct stats_mem *pool = lwip_stats.memp[MEMP_PBUF_POOL];
        if (pool->avail - pool->used < RX_POOL_RESERVE) {
            /* The last resort: this peer's unread input would take the pool's last frames,
             * and with them every connection's ACKs. Cut it off; the others keep going. */
            conn_stats_.rx_aborts++;
            LOGW("conn %u: input waits and memory is exhausted; aborting this connection",
                 c->index);
            struct altcp_pcb *pcb = c->pcb;
            altcp_arg(pcb, NULL);
            c->pcb = NULL;
            conn_stage_forget(c);
            conn_drop_state(c);
            conn_free_slot_record(c);
            conn_pcb_abort(pcb);
            return -1;
        }
        return 0;
    }
    pbuf_copy_partial(p, ram->payload, n, c->rx_off);
    pbuf_free(p);
    c->rx = ram;
    c->rx_off = 0;
    return 0;
}

static void recv_body(conn_t *c, struct altcp_pcb *pcb, struct pbuf *p, err_t err);

err_t conn_on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    cb_frame_t outer = cb_frame_enter(&conn_frame, pcb);
    recv_body(arg, pcb, p, err);
    return cb_frame_leave(&conn_frame, outer);
}

static void recv_body(conn_t *c, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    if (!c || c->mode == CONN_LINGER) {
        if (p) {
            altcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        } else if (c) {
            conn_hard_close(c); /* the peer's FIN after ours: both sides are done */
        }
        return;
    }
    if (p == NULL || err != ERR_OK) {
        /* The peer closed its side. Finish what is in flight, then close ours. */
        if (p) pbuf_free(p);
        conn_rx_drop(c);
        conn_close_when_sent(c);
        return;
    }
    c->t_active = board_now_ms();
    if (c->rx)
        pbuf_cat(c->rx, p);
    else
        c->rx = p;
    conn_rx_deliver(c);
    if (c->mode == CONN_OPEN && c->rx) rx_park(c); /* -1: aborted, and on_recv says so */
}
