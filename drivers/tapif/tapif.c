/* TAP driver: each read() is one Ethernet frame, each write() sends one. */
#include "drivers/tapif/tapif.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "app/log.h"
#include "drivers/eth/eth_netif.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define FRAME_MAX 1518 /* Ethernet frame with VLAN tag, without FCS */

static int tap_fd = -1;
static tapif_stats_t stats;
/* One frame in each direction, reused: writes and reads complete before returning. */
static uint8_t frame_buf[FRAME_MAX];

static err_t tapif_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    if (p->tot_len > sizeof frame_buf) {
        stats.dropped_out++;
        return ERR_BUF;
    }
    pbuf_copy_partial(p, frame_buf, p->tot_len, 0);
    ssize_t n = write(tap_fd, frame_buf, p->tot_len);
    if (n != (ssize_t)p->tot_len) {
        /* The kernel queue is full or the link is down: drop, as a wire would. */
        stats.dropped_out++;
        return ERR_OK;
    }
    stats.frames_out++;
    stats.bytes_out += (uint32_t)n;
    return ERR_OK;
}

err_t tapif_init(struct netif *netif)
{
    const tapif_config_t *cfg = netif->state;
    tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (tap_fd < 0) {
        LOGE("tapif: open /dev/net/tun: %s", strerror(errno));
        return ERR_IF;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, cfg->ifname, IFNAMSIZ - 1);
    if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
        LOGE("tapif: attach to %s: %s (create it with 'ip tuntap add dev %s mode tap')",
             cfg->ifname, strerror(errno), cfg->ifname);
        close(tap_fd);
        tap_fd = -1;
        return ERR_IF;
    }
    eth_netif_setup(netif, "tp", tapif_output, cfg->mac);
    LOGI("tapif: attached to %s", cfg->ifname);
    return ERR_OK;
}

int tapif_poll(struct netif *netif)
{
    int got = 0;
    while (tap_fd >= 0 && got < TAPIF_POLL_MAX) {
        ssize_t n = read(tap_fd, frame_buf, sizeof frame_buf);
        if (n <= 0) break;
        got++;
        if (eth_frame_in(netif, frame_buf, (size_t)n) != ETH_IN_OK) {
            stats.dropped_in++;
            continue;
        }
        stats.frames_in++;
        stats.bytes_in += (uint32_t)n;
    }
    return got;
}

int tapif_fd(void)
{
    return tap_fd;
}

const tapif_stats_t *tapif_stats(void)
{
    return &stats;
}
