/* LAN9118 driver: the chip's FIFOs are moved word by word through its register window.
 * Received frames: RX status FIFO (one word per frame: length, errors), then the frame in the
 * RX data FIFO, read into the frame buffer and copied into a PBUF_POOL chain. Sent frames:
 * two command words and the frame into the TX data FIFO; the TX status FIFO is drained on each
 * poll. The frame buffer serves both directions: nothing here runs in an interrupt. */
#include "drivers/lan9118/lan9118.h"

#include <string.h>

#include "app/log.h"
#include "drivers/eth/eth_netif.h"
#include "drivers/lan9118/lan9118_regs.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"

#define FRAME_MAX        1518 /* Ethernet frame with a VLAN tag, without FCS */
#define FCS_LEN          4
#define TX_FIF_KB        5         /* datasheet default: 4608 B TX data + 512 B status */
#define RX_FIFO_BYTES    10560     /* what TX_FIF_SZ = 5 leaves to the RX data FIFO */
#define RX_STATUS_SLOTS  (704 / 4) /* RX status FIFO entries at TX_FIF_SZ = 5 */
#define LINK_CHECK_MS    250
#define RESET_TIMEOUT_MS 100
#define TX_WAIT_MS       5 /* longest wait for TX FIFO room before a frame is dropped */

static volatile uint32_t *regs;
static lan9118_stats_t stats;
static uint32_t last_link_check, last_report, reported_full;
static uint8_t link_up;
static uint16_t tx_tag;
/* One frame in either direction; word-aligned because the FIFOs move 32-bit words. */
static uint32_t frame_buf[(FRAME_MAX + FCS_LEN + 3) / 4];

static inline uint32_t rd(uint32_t off)
{
    return regs[off / 4];
}
static inline void wr(uint32_t off, uint32_t v)
{
    regs[off / 4] = v;
}

/* Bounded busy-wait for (reg & mask) == want. Returns 0 when reached. */
static int wait_reg(uint32_t off, uint32_t mask, uint32_t want, uint32_t timeout_ms)
{
    uint32_t t0 = sys_now();
    while ((rd(off) & mask) != want)
        if ((uint32_t)(sys_now() - t0) > timeout_ms) return -1;
    return 0;
}

static uint32_t mac_read(uint8_t reg)
{
    wait_reg(LAN_MAC_CSR_CMD, MAC_CSR_BUSY, 0, 10);
    wr(LAN_MAC_CSR_CMD, MAC_CSR_BUSY | MAC_CSR_READ | reg);
    wait_reg(LAN_MAC_CSR_CMD, MAC_CSR_BUSY, 0, 10);
    return rd(LAN_MAC_CSR_DATA);
}

static void mac_write(uint8_t reg, uint32_t v)
{
    wait_reg(LAN_MAC_CSR_CMD, MAC_CSR_BUSY, 0, 10);
    wr(LAN_MAC_CSR_DATA, v);
    wr(LAN_MAC_CSR_CMD, MAC_CSR_BUSY | reg);
    wait_reg(LAN_MAC_CSR_CMD, MAC_CSR_BUSY, 0, 10);
}

static int mii_wait(void)
{
    uint32_t t0 = sys_now();
    while (mac_read(MAC_MII_ACC) & MII_ACC_BUSY)
        if ((uint32_t)(sys_now() - t0) > 10) return -1;
    return 0;
}

static uint16_t phy_read(uint8_t reg)
{
    mii_wait();
    mac_write(MAC_MII_ACC, MII_ACC(PHY_ADDR, reg) | MII_ACC_BUSY);
    mii_wait();
    return (uint16_t)mac_read(MAC_MII_DATA);
}

static void phy_write(uint8_t reg, uint16_t v)
{
    mii_wait();
    mac_write(MAC_MII_DATA, v);
    mac_write(MAC_MII_ACC, MII_ACC(PHY_ADDR, reg) | MII_ACC_WRITE | MII_ACC_BUSY);
    mii_wait();
}

static int mac_valid(const uint8_t m[6])
{
    static const uint8_t zero[6], ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return !(m[0] & 1) && memcmp(m, zero, 6) != 0 && memcmp(m, ones, 6) != 0;
}

/* The duplex both ends agreed on, from our advertisement and the link partner's. */
static int phy_full_duplex(void)
{
    uint16_t common = phy_read(PHY_ANAR) & phy_read(PHY_ANLPAR);
    if (common & AN_100FD) return 1;
    if (common & AN_100HD) return 0;
    return (common & AN_10FD) != 0;
}

static void link_update(struct netif *netif)
{
    /* Link status latches low: the first read reports a drop since the last one. */
    (void)phy_read(PHY_BSR);
    uint16_t bsr = phy_read(PHY_BSR);
    uint8_t up = (bsr & BSR_LINK) && (bsr & BSR_AN_DONE);
    if (up == link_up) return;
    link_up = up;
    stats.link_changes++;
    if (up) {
        int fd = phy_full_duplex();
        uint32_t cr = mac_read(MAC_CR);
        mac_write(MAC_CR, fd ? (cr | MAC_CR_FDPX) : (cr & ~MAC_CR_FDPX));
        LOGI("lan9118: link up, %s duplex", fd ? "full" : "half");
        netif_set_link_up(netif);
    } else {
        LOGW("lan9118: link down");
        netif_set_link_down(netif);
    }
}

static void tx_status_drain(void)
{
    uint32_t n = TX_FIFO_INF_STATUS_USED(rd(LAN_TX_FIFO_INF));
    while (n--)
        if (rd(LAN_TX_STATUS_FIFO) & TX_STS_ES) stats.dropped_out++;
}

static err_t lan9118_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    uint32_t len = p->tot_len, words = (len + 3) / 4;
    if (len > FRAME_MAX) {
        stats.dropped_out++;
        return ERR_BUF;
    }
    /* The two command words travel through the data FIFO too. */
    uint32_t need = words * 4 + 8, t0 = sys_now();
    while (TX_FIFO_INF_FREE_BYTES(rd(LAN_TX_FIFO_INF)) < need) {
        if ((uint32_t)(sys_now() - t0) > TX_WAIT_MS) {
            stats.dropped_out++; /* the wire is stuck: drop, TCP retransmits */
            return ERR_OK;
        }
    }
    pbuf_copy_partial(p, frame_buf, (u16_t)len, 0);
    tx_tag++;
    /* A: one buffer that is both the first and the last segment, word aligned at both ends.
     * B: a tag that comes back in the TX status, and the frame length. The MAC pads short
     * frames and appends the FCS. */
    wr(LAN_TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | len);
    wr(LAN_TX_DATA_FIFO, ((uint32_t)tx_tag << 16) | len);
    for (uint32_t i = 0; i < words; i++)
        wr(LAN_TX_DATA_FIFO, frame_buf[i]);
    stats.frames_out++;
    stats.bytes_out += len;
    return ERR_OK;
}

static void rx_discard(uint32_t words)
{
    while (words--)
        (void)rd(LAN_RX_DATA_FIFO);
}

static void rx_one(struct netif *netif)
{
    uint32_t sts = rd(LAN_RX_STATUS_FIFO);
    uint32_t len = RX_STS_LEN(sts), words = (len + 3) / 4;
    if ((sts & (RX_STS_ES | RX_STS_FILTFAIL)) || len < 14 + FCS_LEN || len > FRAME_MAX + FCS_LEN) {
        /* Read the frame out rather than fast-forward: always allowed, and the same on
         * every model of the chip. */
        rx_discard(words);
        stats.rx_errors++;
        stats.dropped_in++;
        return;
    }
    for (uint32_t i = 0; i < words; i++)
        frame_buf[i] = rd(LAN_RX_DATA_FIFO);
    len -= FCS_LEN;
    eth_in_t r = eth_frame_in(netif, frame_buf, len);
    if (r != ETH_IN_OK) {
        if (r == ETH_IN_NO_PBUF)
            stats.rx_no_pbuf++;
        else
            stats.rx_rejected++;
        stats.dropped_in++;
        return;
    }
    stats.frames_in++;
    stats.bytes_in += len;
}

/* Frames the chip lost to a full RX FIFO. The counter clears when read. */
static void rx_drop_collect(void)
{
    uint32_t n = rd(LAN_RX_DROP);
    stats.rx_overflow += n;
    stats.dropped_in += n;
}

/* The console hears about receive overflows, at most once a second: on QEMU's model of the
 * chip they are the only trace, since the model drops without counting (RX_DROP reads 0). */
static void overflow_report(uint32_t now)
{
    if (stats.rx_fifo_full == reported_full || (uint32_t)(now - last_report) < 1000) return;
    last_report = now;
    reported_full = stats.rx_fifo_full;
    LOGW("lan9118: RX FIFO full %lu times (peak %lu B); dropped: %lu by the chip, %lu for want "
         "of pbufs, %lu bad",
         (unsigned long)stats.rx_fifo_full, (unsigned long)stats.rx_fifo_peak,
         (unsigned long)stats.rx_overflow, (unsigned long)stats.rx_no_pbuf,
         (unsigned long)stats.rx_errors);
}

/* Notes how full the RX FIFO is. Returns non-zero when it has no room for another
 * full-size frame: the chip is refusing frames right now. */
static int rx_fifo_watch(uint32_t inf)
{
    uint32_t used = RX_FIFO_INF_USED_BYTES(inf);
    if (used > stats.rx_fifo_peak) stats.rx_fifo_peak = used;
    return used > RX_FIFO_BYTES - (FRAME_MAX + FCS_LEN) ||
           RX_FIFO_INF_STATUS_USED(inf) >= RX_STATUS_SLOTS;
}

int lan9118_poll(struct netif *netif)
{
    if (regs == NULL) return 0;
    int got = 0, full = 0;
    uint32_t inf = rd(LAN_RX_FIFO_INF);
    /* The FIFO refills while we drain it, so its level is watched after every frame. */
    full |= rx_fifo_watch(inf);
    while (got < LAN9118_POLL_MAX && RX_FIFO_INF_STATUS_USED(inf) > 0) {
        rx_one(netif);
        got++;
        inf = rd(LAN_RX_FIFO_INF);
        full |= rx_fifo_watch(inf);
    }
    if (full) {
        stats.rx_fifo_full++;
        rx_drop_collect();
    }
    tx_status_drain();
    uint32_t now = sys_now();
    if ((uint32_t)(now - last_link_check) >= LINK_CHECK_MS) {
        last_link_check = now;
        rx_drop_collect();
        link_update(netif);
        overflow_report(now);
    }
    return got;
}

int lan9118_rx_pending(void)
{
    return regs != NULL && RX_FIFO_INF_STATUS_USED(rd(LAN_RX_FIFO_INF)) > 0;
}

uint32_t lan9118_free_run(void)
{
    return regs != NULL ? rd(LAN_FREE_RUN) : 0;
}

void lan9118_irq(void)
{
    stats.irqs++;
    wr(LAN_INT_STS, INT_RSFL | INT_RXDF); /* write-one-to-clear; the poll does the work */
}

const lan9118_stats_t *lan9118_stats(void)
{
    return &stats;
}

static int chip_reset(void)
{
    wr(LAN_HW_CFG, HW_CFG_SRST);
    if (wait_reg(LAN_HW_CFG, HW_CFG_SRST, 0, RESET_TIMEOUT_MS) != 0 ||
        (rd(LAN_HW_CFG) & HW_CFG_SRST_TO)) {
        LOGE("lan9118: soft reset did not complete");
        return -1;
    }
    if (wait_reg(LAN_PMT_CTRL, PMT_CTRL_READY, PMT_CTRL_READY, RESET_TIMEOUT_MS) != 0) {
        LOGE("lan9118: chip not ready after reset");
        return -1;
    }
    return 0;
}

static void phy_start(void)
{
    phy_write(PHY_BCR, BCR_RESET);
    uint32_t t0 = sys_now();
    while ((phy_read(PHY_BCR) & BCR_RESET) && (uint32_t)(sys_now() - t0) < 500) {
    }
    phy_write(PHY_ANAR, AN_100FD | AN_100HD | AN_10FD | AN_10HD | AN_CSMA);
    phy_write(PHY_BCR, BCR_AN_ENABLE | BCR_AN_RESTART);
    /* Auto-negotiation takes up to ~2 s on a real link; do not hold the boot for it. The
     * poll raises the link when it completes. */
}

err_t lan9118_init(struct netif *netif)
{
    const lan9118_config_t *cfg = netif->state;
    regs = (volatile uint32_t *)cfg->base;
    /* BYTE_TEST answers even before the chip is ready: proves it is there, and wired with
     * the byte order we expect. */
    uint32_t bt = rd(LAN_BYTE_TEST);
    if (bt != BYTE_TEST_MAGIC) {
        LOGE("lan9118: no chip at 0x%08lx (BYTE_TEST 0x%08lx)", (unsigned long)cfg->base,
             (unsigned long)bt);
        regs = NULL;
        return ERR_IF;
    }
    if (chip_reset() != 0) {
        regs = NULL;
        return ERR_IF;
    }
    uint32_t id = rd(LAN_ID_REV);

    /* A valid address loaded from the chip's EEPROM wins, unless the board forces one. */
    uint32_t lo = mac_read(MAC_ADDRL), hi = mac_read(MAC_ADDRH);
    uint8_t mac[6] = {(uint8_t)lo,         (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                      (uint8_t)(lo >> 24), (uint8_t)hi,        (uint8_t)(hi >> 8)};
    if (cfg->force_mac || !mac_valid(mac)) memcpy(mac, cfg->mac, 6);
    mac_write(MAC_ADDRL, (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
                             (uint32_t)mac[3] << 24);
    mac_write(MAC_ADDRH, (uint32_t)mac[4] | (uint32_t)mac[5] << 8);

    wr(LAN_HW_CFG, HW_CFG_MBO | HW_CFG_TX_FIF_SZ(TX_FIF_KB));
    wr(LAN_INT_EN, 0);
    wr(LAN_INT_STS, 0xFFFFFFFFu);
    if (cfg->irq_wake) {
        wr(LAN_FIFO_INT, rd(LAN_FIFO_INT) & ~0xFFu); /* RSFL as soon as one frame waits */
        wr(LAN_IRQ_CFG, IRQ_CFG_EN | IRQ_CFG_POL | IRQ_CFG_TYPE);
        wr(LAN_INT_EN, INT_RSFL | INT_RXDF);
    }
    wr(LAN_RX_CFG, RX_CFG_RX_DUMP); /* no offset, 4-byte end alignment, empty FIFOs */
    wr(LAN_TX_CFG, TX_CFG_TX_ON | TX_CFG_TXSAO | TX_CFG_TXS_DUMP);
    (void)rd(LAN_RX_DROP);

    phy_start();
    /* Own address and broadcast only (not promiscuous); duplex is set when the link is up. */
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);

    eth_netif_setup(netif, "en", lan9118_output, mac);
    last_link_check = sys_now() - LINK_CHECK_MS; /* check the link on the first poll */
    LOGI("lan9118: chip 0x%04lx rev %lu at 0x%08lx, MAC %02x:%02x:%02x:%02x:%02x:%02x",
         (unsigned long)(id >> 16), (unsigned long)(id & 0xFFFF), (unsigned long)cfg->base, mac[0],
         mac[1], mac[2], mac[3], mac[4], mac[5]);
    return ERR_OK;
}
