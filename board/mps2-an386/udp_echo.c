/* UDP echo (RFC 862) on port 7: a diagnostic for the network path, so that the test tier can
 * send datagrams of every size and get them back. With QEMU's user-mode network nothing can
 * ping the device from outside, so this stands in for ICMP echo: a datagram of n bytes is an
 * Ethernet frame of 42 + n bytes in each direction (n = 18..1472 spans 60..1514).
 * On by default on this board; build with -DEDGE_UDP_ECHO=0 to leave it out of a device that
 * sits on an untrusted network (an echo service can reflect spoofed traffic). */
#include "lwip/udp.h"

#include "app/log.h"
#include "board/mps2-an386/mps2.h"

#ifndef EDGE_UDP_ECHO
#define EDGE_UDP_ECHO 1
#endif
#define ECHO_PORT 7

#if EDGE_UDP_ECHO
static void on_datagram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    (void)arg;
    /* The received pbuf still has room for the headers in front of its payload: send it back
     * as it is, no copy. */
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

void mps2_udp_echo_start(void)
{
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL || udp_bind(pcb, IP_ANY_TYPE, ECHO_PORT) != ERR_OK) {
        LOGW("udp echo: cannot bind port %d", ECHO_PORT);
        return;
    }
    udp_recv(pcb, on_datagram, NULL);
    LOGI("udp echo: port %d (diagnostics)", ECHO_PORT);
}
#else
void mps2_udp_echo_start(void) {}
#endif
