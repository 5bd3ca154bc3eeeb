/* lwIP network interface over a Linux TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI).
 * Non-blocking; the superloop polls it and sleeps in poll() on its descriptor. */
#ifndef EDGE_TAPIF_H
#define EDGE_TAPIF_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

/* Most frames moved into lwIP per poll, so that one loop pass stays short. */
#ifndef TAPIF_POLL_MAX
#define TAPIF_POLL_MAX 16
#endif

typedef struct {
    uint32_t frames_in, frames_out, dropped_in, dropped_out;
    uint32_t bytes_in, bytes_out;
} tapif_stats_t;

typedef struct {
    const char *ifname; /* existing TAP device to attach to, e.g. "edge0" */
    uint8_t mac[6];
} tapif_config_t;

/* netif_add() init callback; netif->state must point to a tapif_config_t. */
err_t tapif_init(struct netif *netif);

/* Read up to TAPIF_POLL_MAX frames into lwIP. Returns how many were read. */
int tapif_poll(struct netif *netif);

/* The descriptor to wait on, -1 if closed. */
int tapif_fd(void);

const tapif_stats_t *tapif_stats(void);

#endif
