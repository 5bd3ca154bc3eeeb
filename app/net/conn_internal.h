/* The connection record and what conn.c, conn_in.c and conn_out.c share. Nothing outside
 * app/net/ includes this. */
#ifndef EDGE_NET_CONN_INTERNAL_H
#define EDGE_NET_CONN_INTERNAL_H

#include "app/net/conn.h"
#include "lwip/err.h"
#include "port/cb_frame.h"

struct pbuf;

typedef enum {
    CONN_FREE = 0,
    CONN_OPEN,   /* owned by a protocol */
    CONN_LINGER, /* our FIN is sent; input is discarded until the peer's FIN */
} conn_mode_t;

/* One connection. Legal combinations (anything else is a bug):
 *
 *   mode     pcb    proto  rx          tx_left  slot        close_after/close_req
 *   FREE     NULL   NULL   NULL        0        -1          0
 *   OPEN     set    set    held input  pending  body/spill  may be set
 *   LINGER   set    NULL   NULL        0        -1          0
 *
 * A reset (on_err) takes any mode straight to FREE, with lwIP having freed the PCB.
 * close_after: close once tx_left reaches 0. close_req: the protocol asked to close from
 * inside a callback; done when that callback has returned (conn_settle). */
struct conn {
    struct altcp_pcb *pcb;
    const conn_proto_t *proto;
    uint8_t mode; /* conn_mode_t */
    uint8_t close_after;
    uint8_t close_req;
    int8_t slot;     /* pool slot held, or -1 */
    uint8_t slot_tx; /* the slot holds pending output (a response tail or a spill) */
    uint8_t wrapped; /* accepted through a listener's wrap (HTTPS) */
    uint16_t index;
    uint16_t gen;          /* bumped when the slot is freed: stale conn_ref_t notice */
    uint16_t rx_off;       /* consumed bytes of the first pbuf of rx */
    struct pbuf *rx;       /* received, not yet taken: its window stays closed */
    uint32_t t_active;     /* last activity (bytes either way), for idle timeouts */
    const uint8_t *tx_ptr; /* pending output still to hand to TCP */
    uint32_t tx_left;
    union {
        _Alignas(8) uint8_t state[CONN_STATE_SIZE];
    } u;
};

extern conn_stats_t conn_stats_;

/* conn.c */
/* The frame of the lwIP callback (accept, recv, sent) running in this core: each callback
 * enters it and returns what cb_frame_leave says (port/cb_frame.h). */
extern cb_frame_t conn_frame;
/* The core's one way to abort a PCB, from inside a callback or not. */
static inline void conn_pcb_abort(struct altcp_pcb *pcb)
{
    cb_frame_abort(&conn_frame, pcb);
}
void conn_free_slot_record(conn_t *c); /* to FREE, lwIP's PCB already gone or closed */
void conn_drop_state(conn_t *c);       /* the protocol's on_close, held input, pool slot */
void conn_hard_close(conn_t *c);

/* conn_in.c */
void conn_rx_deliver(conn_t *c); /* offer held input to the protocol */
void conn_rx_drop(conn_t *c);    /* discard held input, reopening its window */
err_t conn_on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err);

/* conn_out.c */
void conn_stage_commit_if(conn_t *c); /* commit the shared stage if c owns it */
void conn_stage_forget(conn_t *c);    /* c is gone: drop what it staged */
void conn_tx_pump(conn_t *c);         /* hand pending output to TCP; close when asked */

#endif
