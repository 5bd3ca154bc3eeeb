/* QEMU's (and Arm's) MPS2 board with the AN386 FPGA image: Cortex-M4 at 25 MHz, LAN9118
 * Ethernet, CMSDK UART console. main() brings up the console, the clock, the stack guard
 * and the network, then runs the superloop forever. */
#include <stdint.h>

#include "app/app.h"
#include "app/board.h"
#include "app/api/router.h"
#include "app/config.h"
#include "app/http/server.h"
#include "app/log.h"
#include "board/mps2-an386/mps2.h"
#include "drivers/lan9118/lan9118.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "netif/ethernet.h"
#include "port/altcp_tls3.h"
#include "port/identity.h"

/* Network defaults: QEMU's user-mode network (slirp) gives 10.0.2.15 to its guest and is
 * itself 10.0.2.2. Override with -DEDGE_IP=... at build time, or ask a DHCP server with
 * -DEDGE_DHCP=1 (QEMU's slirp has one too). */
#ifndef EDGE_IP
#define EDGE_IP "10.0.2.15"
#endif
#ifndef EDGE_NETMASK
#define EDGE_NETMASK "255.255.255.0"
#endif
#ifndef EDGE_GATEWAY
#define EDGE_GATEWAY "10.0.2.2"
#endif
#ifndef EDGE_DHCP
#define EDGE_DHCP 0
#endif

static struct netif netif;
/* Used only if the chip's EEPROM holds no address (QEMU always provides one). Locally
 * administered, so it cannot clash with a vendor's. */
static lan9118_config_t eth_cfg = {
    .base = MPS2_ETH_BASE, .mac = {0x02, 0x00, 0x5e, 0x00, 0x38, 0x06}, .irq_wake = 1};

void Eth_Handler(void)
{
    lan9118_irq();
}

void board_netif_poll(void)
{
    if (lan9118_poll(&netif) > 0) mps2_entropy_stir(SYST_CVR);
}

int board_should_stop(void)
{
    return 0; /* runs until reset or power-off */
}

const char *board_name(void)
{
    return "mps2-an386";
}

void board_net_stats(board_net_stats_t *out)
{
    const lan9118_stats_t *s = lan9118_stats();
    out->frames_in = s->frames_in;
    out->frames_out = s->frames_out;
    out->dropped_in = s->dropped_in;
    out->dropped_out = s->dropped_out;
}

static void on_netif_status(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
        LOGI("net: %c%c address %s", n->name[0], n->name[1], ip4addr_ntoa(netif_ip4_addr(n)));
}

int main(void)
{
    mps2_uart_init();
    mps2_clock_init();
    mps2_stack_guard_init();
    LOGI("edgeartist starting on board %s (Cortex-M4, 25 MHz, lwIP %s)", board_name(),
         LWIP_VERSION_STRING);

    app_config_t cfg = {.http_port = 80};
    app_init(&cfg);
    ip4_addr_t a, m, g;
    ip4_addr_set_zero(&a);
    if (!EDGE_DHCP) ip4addr_aton(EDGE_IP, &a);
    ip4addr_aton(EDGE_NETMASK, &m);
    ip4addr_aton(EDGE_GATEWAY, &g);
    if (!netif_add(&netif, &a, &m, &g, &eth_cfg, lan9118_init, ethernet_input))
        board_panic("no network device (LAN9118 did not come up)");
    mps2_entropy_init(netif.hwaddr);
    mps2_entropy_stir(lan9118_free_run());

    netif_set_status_callback(&netif, on_netif_status);
    netif_set_default(&netif);
    netif_set_up(&netif);
    if (EDGE_DHCP) dhcp_start(&netif);
    /* The chip's interrupt only wakes the CPU from WFI; all work happens in the poll. */
    NVIC_ICPR0 = 1u << MPS2_ETH_IRQ;
    NVIC_ISER0 = 1u << MPS2_ETH_IRQ;

    if (app_start() != 0) board_panic("cannot start the HTTP server");
    mps2_udp_echo_start();
    LOGI("http: listening on port %u", cfg.http_port);
    if (tls3_init(edge_identity_cert, edge_identity_cert_len, edge_identity_key,
                  edge_identity_key_len) == 0 &&
        http_server_listen(HTTPS_PORT, tls3_wrap) == 0) {
        LOGI("https: listening on port %u", HTTPS_PORT);
        if (HTTP_REDIRECT_HTTPS) {
            api_set_https_redirect(HTTPS_PORT);
            LOGI("http: redirecting to https");
        }
    }
    app_run();
    return 0;
}
