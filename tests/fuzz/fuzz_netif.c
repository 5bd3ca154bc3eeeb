/* libFuzzer target: the whole input path. Ethernet frames go into lwIP's ethernet_input on a
 * netif whose output is only inspected, with the firmware's listeners up and its superloop
 * polled between frames, on the stub board's fake clock (as lwIP's own test/fuzz does, but
 * with our application on top instead of lwIP's apps).
 *
 * Input: records of [ctl][len hi][len lo][frame of len & 0x7ff bytes, at most 1514].
 *   ctl bits 0-2: advance the fake clock by 0, 1, 10, 100, 500, 1000, 5000 or 30000 ms first
 *   ctl bit 3:    TCP seq/ack are rewritten to continue the device's side of the connection
 *                 to the same peer port (so that handshakes and requests can complete)
 *   ctl bit 4:    IPv4 and TCP/UDP/ICMP checksums are recomputed after any rewrite
 *   ctl bits 5-6: extra superloop passes after the frame (0-3)
 * Checks: no crash, leak or undefined behaviour (ASan, UBSan), every frame the device sends
 * fits an Ethernet frame, and after each input every connection can be torn down and the
 * firmware's connection table empties. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/http/server.h"
#include "app/log.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "netif/etharp.h"
#include "netif/ethernet.h"

extern uint32_t test_clock_ms; /* tests/unit/stub_board.c */

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

static struct netif netif;
static uint8_t frame[1514];

/* What the device last sent on each peer port: the next sequence number it will use and the
 * one it expects from the peer. A small table is enough for the few ports a corpus uses. */
typedef struct {
    uint16_t port;
    uint32_t snd_next, rcv_next;
} flow_t;
static flow_t flows[8];
static unsigned flow_rr;
static int trace; /* FUZZ_NETIF_TRACE=1: print the first line of each TCP payload sent */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16));
    wr16(p + 2, (uint16_t)v);
}

static flow_t *flow_find(uint16_t port, int create)
{
    for (unsigned i = 0; i < sizeof flows / sizeof flows[0]; i++)
        if (flows[i].port == port) return &flows[i];
    if (!create) return NULL;
    flow_t *f = &flows[flow_rr++ % (sizeof flows / sizeof flows[0])];
    f->port = port;
    return f;
}

/* An IPv4 TCP segment inside an Ethernet frame: its IP and TCP headers, or 0. */
static int tcp_parts(uint8_t *f, size_t len, uint8_t **ip, uint8_t **tcp, size_t *seg_len)
{
    if (len < 14 + 20 || rd16(f + 12) != 0x0800) return 0;
    uint8_t *h = f + 14;
    size_t ihl = (size_t)(h[0] & 15) * 4;
    size_t tot = rd16(h + 2);
    if ((h[0] >> 4) != 4 || ihl < 20 || tot < ihl + 20 || 14 + tot > len || h[9] != 6) return 0;
    *ip = h;
    *tcp = h + ihl;
    *seg_len = tot - ihl;
    return 1;
}

static err_t fz_linkoutput(struct netif *n, struct pbuf *p)
{
    (void)n;
    CHECK(p->tot_len <= sizeof frame);
    static uint8_t out[1514];
    pbuf_copy_partial(p, out, p->tot_len, 0);
    uint8_t *ip, *tcp;
    size_t seg;
    if (tcp_parts(out, p->tot_len, &ip, &tcp, &seg)) {
        size_t off = (size_t)(tcp[12] >> 4) * 4;
        if (off >= 20 && off <= seg) {
            flow_t *f = flow_find(rd16(tcp + 2), 1);
            uint8_t fl = tcp[13];
            f->snd_next = rd32(tcp + 4) + (uint32_t)(seg - off) + !!(fl & 0x02) + !!(fl & 0x01);
            if (fl & 0x10) f->rcv_next = rd32(tcp + 8);
            if (trace && seg > off) {
                size_t k = 0;
                while (k < seg - off && k < 60 && tcp[off + k] != '\r')
                    k++;
                fprintf(stderr, "out %u: %.*s\n", rd16(tcp + 2), (int)k, (char *)tcp + off);
            }
        }
    }
    return ERR_OK;
}

static err_t fz_init(struct netif *n)
{
    static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x07, 0x02};
    n->name[0] = 'f';
    n->name[1] = 'z';
    n->output = etharp_output;
    n->linkoutput = fz_linkoutput;
    n->mtu = 1500;
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, mac, 6);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* IPv4 header checksum, and TCP, UDP (with the pseudo header) or ICMP checksum. */
static void fix_checksums(uint8_t *f, size_t len)
{
    if (len < 14 + 20 || rd16(f + 12) != 0x0800) return;
    uint8_t *h = f + 14;
    size_t ihl = (size_t)(h[0] & 15) * 4;
    if (ihl < 20 || 14 + ihl > len) return;
    size_t tot = rd16(h + 2);
    if (tot < ihl || 14 + tot > len) tot = len - 14;
    /* lwIP's sums come in network order already: stored as they are. */
    memset(h + 10, 0, 2);
    u16_t ipsum = inet_chksum(h, (u16_t)ihl);
    memcpy(h + 10, &ipsum, 2);
    uint8_t *l4 = h + ihl;
    size_t l4len = tot - ihl;
    ip_addr_t src, dst;
    memcpy(&ip_2_ip4(&src)->addr, h + 12, 4);
    memcpy(&ip_2_ip4(&dst)->addr, h + 16, 4);
    IP_SET_TYPE_VAL(src, IPADDR_TYPE_V4);
    IP_SET_TYPE_VAL(dst, IPADDR_TYPE_V4);
    size_t at;
    if (h[9] == 6 && l4len >= 20)
        at = 16;
    else if (h[9] == 17 && l4len >= 8)
        at = 6;
    else if (h[9] == 1 && l4len >= 4)
        at = 2;
    else
        return;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)l4len, PBUF_ROM);
    if (!p) return;
    memset(l4 + at, 0, 2);
    p->payload = l4;
    u16_t sum = h[9] == 1 ? inet_chksum(l4, (u16_t)l4len)
                          : ip_chksum_pseudo(p, h[9], (u16_t)l4len, &src, &dst);
    pbuf_free(p);
    memcpy(l4 + at, &sum, 2);
}

static void fix_tcp(uint8_t *f, size_t len)
{
    uint8_t *ip, *tcp;
    size_t seg;
    if (!tcp_parts(f, len, &ip, &tcp, &seg)) return;
    flow_t *fl = flow_find(rd16(tcp), 0);
    if (!fl) return;
    if (!(tcp[13] & 0x02)) wr32(tcp + 4, fl->rcv_next); /* not a new SYN */
    wr32(tcp + 8, fl->snd_next);
}

static void input_frame(const uint8_t *data, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) return; /* the receive pool is full, as a driver would find it: the frame is lost */
    pbuf_take(p, data, (u16_t)len);
    if (netif.input(p, &netif) != ERR_OK) pbuf_free(p);
}

static void poll_app(int passes)
{
    for (int i = 0; i < passes; i++)
        app_poll_once();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_level = LOG_ERROR;
    trace = getenv("FUZZ_NETIF_TRACE") != NULL;
    app_config_t cfg = {.http_port = 80};
    app_init(&cfg);
    ip4_addr_t a, m, g;
    IP4_ADDR(&a, 192, 168, 7, 2);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 192, 168, 7, 1);
    netif_add(&netif, &a, &m, &g, NULL, fz_init, ethernet_input);
    netif_set_default(&netif);
    netif_set_up(&netif);
    netif_set_link_up(&netif);
    CHECK(app_start() == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t steps_ms[8] = {0, 1, 10, 100, 500, 1000, 5000, 30000};
    size_t pos = 0;
    while (size - pos >= 3) {
        uint8_t ctl = data[pos];
        size_t len = rd16(data + pos + 1) & 0x7ff;
        pos += 3;
        if (len > sizeof frame) len = sizeof frame;
        if (len > size - pos) len = size - pos;
        memcpy(frame, data + pos, len);
        pos += len;
        test_clock_ms += steps_ms[ctl & 7];
        if (len == 0) {
            poll_app(1);
            continue;
        }
        if (ctl & 0x08) fix_tcp(frame, len);
        if (ctl & 0x10) fix_checksums(frame, len);
        if (trace) {
            fprintf(stderr, "in %zu:", len);
            for (size_t i = 0; i < len && i < 80; i++)
                fprintf(stderr, "%02x", frame[i]);
            fprintf(stderr, "\n");
        }
        input_frame(frame, len);
        poll_app(1 + ((ctl >> 5) & 3));
    }
    /* Tear every connection down so that the next input starts from an empty table: lwIP
     * has no reset, and the firmware must free a connection whenever lwIP drops it. */
    while (tcp_active_pcbs)
        tcp_abort(tcp_active_pcbs);
    while (tcp_tw_pcbs)
        tcp_abort(tcp_tw_pcbs);
    poll_app(2);
    CHECK(http_server_stats()->active == 0);
    memset(flows, 0, sizeof flows);
    return 0;
}
