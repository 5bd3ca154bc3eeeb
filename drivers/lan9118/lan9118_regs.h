/* SMSC/Microchip LAN9118 (and the software-compatible LAN9220) register map: byte offsets
 * from the chip's base address and the bits this driver uses, from the LAN9118 datasheet. */
#ifndef EDGE_LAN9118_REGS_H
#define EDGE_LAN9118_REGS_H

/* ---- Directly addressed (system control and status) registers ----------------------- */
#define LAN_RX_DATA_FIFO   0x00
#define LAN_TX_DATA_FIFO   0x20
#define LAN_RX_STATUS_FIFO 0x40
#define LAN_TX_STATUS_FIFO 0x48
#define LAN_ID_REV         0x50
#define LAN_IRQ_CFG        0x54
#define LAN_INT_STS        0x58
#define LAN_INT_EN         0x5C
#define LAN_BYTE_TEST      0x64
#define LAN_FIFO_INT       0x68
#define LAN_RX_CFG         0x6C
#define LAN_TX_CFG         0x70
#define LAN_HW_CFG         0x74
#define LAN_RX_FIFO_INF    0x7C
#define LAN_TX_FIFO_INF    0x80
#define LAN_PMT_CTRL       0x84
#define LAN_FREE_RUN       0x9C
#define LAN_RX_DROP        0xA0 /* frames lost because the RX FIFO was full; clears on read */
#define LAN_MAC_CSR_CMD    0xA4
#define LAN_MAC_CSR_DATA   0xA8

#define BYTE_TEST_MAGIC 0x87654321u

#define IRQ_CFG_TYPE (1u << 0) /* push-pull */
#define IRQ_CFG_POL  (1u << 4) /* active high */
#define IRQ_CFG_EN   (1u << 8)

#define INT_RSFL (1u << 3) /* RX status FIFO above its level (FIFO_INT.RXSL, 0: any frame) */
#define INT_RXDF (1u << 6) /* a received frame was dropped */

#define HW_CFG_SRST         (1u << 0)
#define HW_CFG_SRST_TO      (1u << 1)
#define HW_CFG_TX_FIF_SZ(k) ((uint32_t)(k) << 16) /* TX FIFO k KB; the RX FIFO gets the rest */
#define HW_CFG_MBO          (1u << 20)            /* must be written as one */

#define PMT_CTRL_READY (1u << 0)

#define TX_CFG_TX_ON    (1u << 1)
#define TX_CFG_TXSAO    (1u << 2) /* TX status FIFO may overrun instead of stopping TX */
#define TX_CFG_TXS_DUMP (1u << 15)

#define RX_CFG_RX_DUMP (1u << 15)

#define RX_FIFO_INF_USED_BYTES(v)  ((v)&0xFFFFu)
#define RX_FIFO_INF_STATUS_USED(v) (((v) >> 16) & 0xFFu)
#define TX_FIFO_INF_FREE_BYTES(v)  ((v)&0xFFFFu)
#define TX_FIFO_INF_STATUS_USED(v) (((v) >> 16) & 0xFFu)

/* RX status word */
#define RX_STS_LEN(s)   (((s) >> 16) & 0x3FFFu) /* frame length including the 4-byte FCS */
#define RX_STS_FILTFAIL (1u << 30)
#define RX_STS_ES       (1u << 15) /* error summary: CRC, runt, too long, collision, MII */

/* TX command words (written into the TX data FIFO ahead of each buffer) */
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST  (1u << 12)
#define TX_STS_ES      (1u << 15)

/* ---- MAC registers, reached through MAC_CSR_CMD / MAC_CSR_DATA ---------------------- */
#define MAC_CSR_BUSY (1u << 31)
#define MAC_CSR_READ (1u << 30)

#define MAC_CR       1
#define MAC_ADDRH    2
#define MAC_ADDRL    3
#define MAC_MII_ACC  6
#define MAC_MII_DATA 7

#define MAC_CR_RXEN (1u << 2)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_PRMS (1u << 18)
#define MAC_CR_FDPX (1u << 20)

#define MII_ACC_BUSY      (1u << 0)
#define MII_ACC_WRITE     (1u << 1)
#define MII_ACC(phy, reg) (((uint32_t)(phy) << 11) | ((uint32_t)(reg) << 6))

/* ---- Internal PHY (address 1), standard IEEE 802.3 registers ------------------------ */
#define PHY_ADDR   1
#define PHY_BCR    0
#define PHY_BSR    1
#define PHY_ANAR   4
#define PHY_ANLPAR 5

#define BCR_RESET      (1u << 15)
#define BCR_AN_ENABLE  (1u << 12)
#define BCR_AN_RESTART (1u << 9)
#define BSR_LINK       (1u << 2)
#define BSR_AN_DONE    (1u << 5)
#define AN_100FD       (1u << 8)
#define AN_100HD       (1u << 7)
#define AN_10FD        (1u << 6)
#define AN_10HD        (1u << 5)
#define AN_CSMA        0x0001u

#endif
