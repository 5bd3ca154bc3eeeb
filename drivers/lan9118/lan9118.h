/* lwIP network interface for the SMSC LAN9118 / LAN9220 Ethernet controller (QEMU's mps2
 * boards, the real MPS2 FPGA images, and other boards with the chip on a memory bus).
 * Polled from the superloop; the chip's interrupt line is optional and only wakes the CPU.
 * Buffers: lwIP's PBUF_POOL for received frames and one static frame buffer, nothing else. */
#ifndef EDGE_LAN9118_H
#define EDGE_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

/* Most frames moved into lwIP per poll, so that one loop pass stays short. The RX FIFO
 * holds the rest until the next pass. */
#ifndef LAN9118_POLL_MAX
#define LAN9118_POLL_MAX 16
#endif

typedef struct {
    uintptr_t base;    /* the chip's register base address */
    uint8_t mac[6];    /* used when the chip did not load a valid address from its EEPROM */
    uint8_t force_mac; /* non-zero: always use mac, ignore the EEPROM's */
    uint8_t irq_wake;  /* non-zero: drive the IRQ pin on each received frame (active high) */
} lan9118_config_t;

typedef struct {
    uint32_t frames_in, frames_out, bytes_in, bytes_out;
    uint32_t dropped_in;   /* every received frame not handed to lwIP (sum of the next four) */
    uint32_t rx_overflow;  /* lost in the chip because its RX FIFO was full (RX_DROP) */
    uint32_t rx_errors;    /* bad frames: CRC, runt, too long, filter */
    uint32_t rx_no_pbuf;   /* lwIP's pbuf pool was empty */
    uint32_t rx_rejected;  /* lwIP's input refused the frame */
    uint32_t dropped_out;  /* frames not sent: TX FIFO full, too long, TX errors */
    uint32_t rx_fifo_full; /* polls that found the RX FIFO without room for one more frame */
    uint32_t rx_fifo_peak; /* most bytes seen waiting in the RX FIFO */
    uint32_t link_changes, irqs;
} lan9118_stats_t;

/* netif_add() init callback; netif->state must point to a lan9118_config_t that outlives
 * the netif. Resets the chip, programs the MAC address, starts PHY auto-negotiation and
 * enables the transmitter and the receiver. */
err_t lan9118_init(struct netif *netif);

/* Move up to LAN9118_POLL_MAX received frames into lwIP, collect transmit status and, every
 * 250 ms, check the PHY's link. Returns how many frames were received. */
int lan9118_poll(struct netif *netif);

/* Non-zero if a received frame waits in the RX FIFO (cheap: one register read). */
int lan9118_rx_pending(void);

/* The free-running 25 MHz counter of the chip (timing samples for the board's entropy). */
uint32_t lan9118_free_run(void);

/* To be called from the board's interrupt handler for the chip's IRQ line: acknowledges the
 * interrupt. Touches no lwIP state. */
void lan9118_irq(void);

const lan9118_stats_t *lan9118_stats(void);

#endif
