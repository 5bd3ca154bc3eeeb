/* One lwIP callback's frame, for a layer that may abort PCBs from inside its callbacks.
 *
 * lwIP lets a recv, sent or accept callback abort its own PCB only if the callback then
 * returns ERR_ABRT; returning ERR_OK makes lwIP go on using the freed PCB (a corrupted
 * TIME_WAIT list, lwIP's "tcp_input: TIME-WAIT" assertion, is how that shows). An abort may
 * come from deep inside the layer, or through another connection's work, so each layer keeps
 * its current frame in one static cb_frame_t:
 *
 *   cb_frame_t outer = cb_frame_enter(&frame, pcb);   first thing in the callback
 *   ... cb_frame_abort(&frame, p) for every abort ...
 *   return cb_frame_leave(&frame, outer);             ERR_ABRT if pcb was aborted
 *
 * Frames nest: TLS calls the connection core back from inside its own callback, and each
 * layer has its own frame (port/altcp_tls3.c for the TCP PCB, app/net/conn.c for the PCB the
 * application sees). */
#ifndef PORT_CB_FRAME_H
#define PORT_CB_FRAME_H

#include <stdint.h>

#include "lwip/altcp.h"
#include "lwip/tcp.h"

typedef struct {
    struct altcp_pcb *pcb; /* the PCB the running callback is for; NULL outside callbacks */
    uint8_t aborted;       /* pcb was aborted since the callback began */
} cb_frame_t;

static inline cb_frame_t cb_frame_enter(cb_frame_t *frame, struct altcp_pcb *pcb)
{
    cb_frame_t outer = *frame;
    frame->pcb = pcb;
    frame->aborted = 0;
    return outer;
}

static inline err_t cb_frame_leave(cb_frame_t *frame, cb_frame_t outer)
{
    err_t r = frame->aborted ? ERR_ABRT : ERR_OK;
    *frame = outer;
    return r;
}

/* The one way such a layer aborts a PCB. */
static inline void cb_frame_abort(cb_frame_t *frame, struct altcp_pcb *pcb)
{
    if (pcb == frame->pcb) frame->aborted = 1;
    altcp_abort(pcb);
}

/* lwIP frees a TIME_WAIT PCB on its own, with no callback, so a layer still holding one
 * holds freed memory (each layer gives the PCB back when the peer's FIN follows ours). This
 * checks that invariant for a plain TCP altcp PCB. It is a debugging guard, compiled only
 * into the sanitizer build (SAN=1 defines CB_FRAME_CHECK_HELD), so that the superloop's pass
 * does not pay for it in the firmware. */
static inline void cb_frame_check_held(const struct altcp_pcb *tcp, const char *what)
{
#if CB_FRAME_CHECK_HELD
    const struct tcp_pcb *t = tcp ? (const struct tcp_pcb *)tcp->state : NULL;
    LWIP_ASSERT(what, t == NULL || t->state != TIME_WAIT);
#else
    (void)tcp;
    (void)what;
#endif
}

#endif
