/* A debugging guard for a layer that holds lwIP PCBs between callbacks.
 *
 * lwIP frees a TIME_WAIT PCB on its own, with no callback, so a layer still holding one
 * holds freed memory (each layer must give its PCB back when the peer's FIN follows ours).
 * port_tcp_check_not_time_wait() asserts that invariant for a held altcp PCB: a plain TCP
 * one is checked, a wrapper (TLS) is passed over, since its own layer checks the TCP PCB
 * it holds under it. Compiled only into the sanitizer build (SAN=1 defines
 * PORT_TCP_CHECK_HELD), so that the superloop's pass does not pay a check per connection in
 * the firmware. */
#ifndef PORT_TCP_GUARD_H
#define PORT_TCP_GUARD_H

#include "lwip/altcp.h"

#if PORT_TCP_CHECK_HELD
#include "lwip/priv/altcp_priv.h"
#include "lwip/tcp.h"

extern const struct altcp_functions altcp_tcp_functions; /* lwIP's, not in its headers */
#endif

static inline void port_tcp_check_not_time_wait(const struct altcp_pcb *p, const char *what)
{
#if PORT_TCP_CHECK_HELD
    const struct tcp_pcb *t =
        p && p->fns == &altcp_tcp_functions ? (const struct tcp_pcb *)p->state : NULL;
    LWIP_ASSERT(what, t == NULL || t->state != TIME_WAIT);
#else
    (void)p;
    (void)what;
#endif
}

#endif
