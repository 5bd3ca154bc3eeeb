/* What every Ethernet driver does the same way: describe itself to lwIP, and hand a
 * received frame to lwIP through the receive pool. */
#ifndef EDGE_ETH_NETIF_H
#define EDGE_ETH_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/netif.h"

/* Name, MTU 1500, MAC, ARP and broadcast, etharp_output, and the driver's link output. */
void eth_netif_setup(struct netif *netif, const char name[2], netif_linkoutput_fn linkoutput,
                     const uint8_t mac[6]);

typedef enum {
    ETH_IN_OK = 0,
    ETH_IN_NO_PBUF, /* the receive pool is empty: dropped, the peer retransmits */
    ETH_IN_REFUSED, /* lwIP refused the frame: dropped */
} eth_in_t;

/* Copy one frame into a PBUF_POOL chain and give it to lwIP. */
eth_in_t eth_frame_in(struct netif *netif, const void *frame, size_t len);

#endif
