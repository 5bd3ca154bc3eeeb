#include "drivers/eth/eth_netif.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"

void eth_netif_setup(struct netif *netif, const char name[2], netif_linkoutput_fn linkoutput,
                     const uint8_t mac[6])
{
    netif->name[0] = name[0];
    netif->name[1] = name[1];
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
}

eth_in_t eth_frame_in(struct netif *netif, const void *frame, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL) return ETH_IN_NO_PBUF;
    pbuf_take(p, frame, (u16_t)len);
    if (netif->input(p, netif) != ERR_OK) {
        pbuf_free(p);
        return ETH_IN_REFUSED;
    }
    return ETH_IN_OK;
}
