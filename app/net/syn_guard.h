/* SYN flood guard, called by lwIP for every TCP segment (LWIP_HOOK_TCP_INPACKET_PCB, set in
 * port/lwipopts.h). lwIP keeps a half-open connection (SYN_RCVD) for up to 20 s and drops
 * every SYN once the listener's backlog or the PCB pool is full, so a SYN flood locked new
 * clients out for its whole length and 20 s after. Here a SYN that finds SYN_HALF_OPEN_MAX
 * half-open connections on its listener, or the PCB pool used up, first removes the oldest
 * half-open one (no RST: its source is most likely forged), as a SYN cache that drops its
 * oldest entry: a real client, whose ACK comes one round trip later, completes its
 * handshake unless that many forged SYNs arrive within its round trip (with the table full,
 * TCP_PCB_SPARE of them). No RAM. */
#ifndef EDGE_SYN_GUARD_H
#define EDGE_SYN_GUARD_H

#include "lwip/err.h"

struct tcp_pcb;
struct tcp_hdr;

err_t syn_guard_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr);

/* Half-open connections removed to make room since boot (for /api/health). */
unsigned long syn_guard_evicted(void);

#endif
