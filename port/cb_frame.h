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

/* The callback's work moved to pcb, a wrapper of the PCB it was entered with (accept wraps
 * the TCP PCB in TLS): an abort of pcb is then the abort of the callback's PCB. Unless that
 * one was aborted already, which the frame must still report. */
static inline void cb_frame_follow(cb_frame_t *frame, struct altcp_pcb *pcb)
{
    if (!frame->aborted) frame->pcb = pcb;
}

#endif
