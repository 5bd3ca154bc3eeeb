/* libFuzzer target: records fed to the TLS layer (port/altcp_tls3.c) through a fake inner
 * TCP pcb, in fuzzed splits, with a fuzzed send room, ticks of the superloop between them,
 * then the peer's FIN or a close by the application. Checks: no crash/UB (ASan, UBSan), the
 * session is released every time, and the TLS heap is back at its baseline after each input.
 * The device identity is the one `make certs` generated (linked from build/certs).
 *
 * Input: byte 0 = split seed, byte 1 = send room selector and flags, rest = bytes from the
 * peer. Seeds: tests/fuzz/corpus/tls (ClientHellos of node, curl and openssl). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "lwip/altcp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/priv/altcp_priv.h"
#include "port/altcp_tls3.h"
#include "port/identity.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

extern uint32_t test_clock_ms;

static u16_t room;            /* what the fake TCP says it can take */
static size_t wire_out;       /* bytes the layer wrote to TCP */
static int inner_closed;      /* the layer closed or aborted the fake TCP */
static int app_gone;          /* the application's err callback ran */
static struct altcp_pcb *tls; /* the application's pcb */

static err_t fake_write(struct altcp_pcb *c, const void *d, u16_t len, u8_t f)
{
    (void)c, (void)d, (void)f;
    if (len > room) return ERR_MEM;
    wire_out += len;
    return ERR_OK;
}
static u16_t fake_sndbuf(struct altcp_pcb *c)
{
    (void)c;
    return room;
}
static err_t fake_output(struct altcp_pcb *c)
{
    (void)c;
    return ERR_OK;
}
static err_t fake_close(struct altcp_pcb *c)
{
    inner_closed = 1;
    altcp_free(c);
    return ERR_OK;
}
static void fake_abort(struct altcp_pcb *c)
{
    inner_closed = 1;
    if (c->err) c->err(c->arg, ERR_ABRT);
    altcp_free(c);
}
static err_t fake_shutdown(struct altcp_pcb *c, int rx, int tx)
{
    (void)c, (void)rx, (void)tx;
    return ERR_OK;
}
static u16_t fake_mss(struct altcp_pcb *c)
{
    (void)c;
    return 1460;
}
static void fake_recved(struct altcp_pcb *c, u16_t len)
{
    (void)c, (void)len;
}
static u16_t fake_queuelen(struct altcp_pcb *c)
{
    (void)c;
    return 0;
}

static const struct altcp_functions fake_fns = {
    .write = fake_write,
    .sndbuf = fake_sndbuf,
    .output = fake_output,
    .close = fake_close,
    .abort = fake_abort,
    .shutdown = fake_shutdown,
    .mss = fake_mss,
    .recved = fake_recved,
    .sndqueuelen = fake_queuelen,
};

/* The application: takes all plaintext, answers a little, closes on the peer's FIN. */
static err_t app_recv(void *arg, struct altcp_pcb *c, struct pbuf *p, err_t err)
{
    (void)arg, (void)err;
    if (!p) {
        altcp_close(c);
        tls = NULL;
        return ERR_OK;
    }
    altcp_recved(c, p->tot_len);
    pbuf_free(p);
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (altcp_sndbuf(c) >= sizeof reply) altcp_write(c, reply, sizeof reply - 1, 0);
    return ERR_OK;
}
static void app_err(void *arg, err_t err)
{
    (void)arg, (void)err;
    app_gone = 1;
    tls = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    lwip_init();
    CHECK(tls3_init(edge_identity_cert, edge_identity_cert_len, edge_identity_key,
                    edge_identity_key_len) == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    uint32_t seed = data[0] | 1u;
    static const u16_t rooms[] = {0, 1, 100, 1460, 5840, 0xffff};
    room = rooms[(data[1] & 7) % 6];
    int close_early = data[1] & 0x80;
    data += 2;
    size -= 2;
    wire_out = 0;
    inner_closed = 0;
    app_gone = 0;

    struct altcp_pcb *inner = altcp_alloc();
    CHECK(inner);
    inner->fns = &fake_fns;
    tls = tls3_wrap(inner);
    CHECK(tls);
    altcp_recv(tls, app_recv);
    altcp_err(tls, app_err);

    size_t off = 0;
    while (off < size && !inner_closed) {
        seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
        size_t n = 1 + seed % 700;
        if (n > size - off) n = size - off;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        CHECK(p);
        memcpy(p->payload, data + off, n);
        off += n;
        err_t r = inner->recv(inner->arg, inner, p, ERR_OK);
        if (r == ERR_ABRT) CHECK(inner_closed);
        test_clock_ms += seed & 15;
        tls3_poll(test_clock_ms);
        if (!inner_closed && (seed & 0x300) == 0) {
            room = (u16_t)(room ? room : 1460); /* TCP acknowledged: room again */
            if (inner->sent) inner->sent(inner->arg, inner, 100);
        }
    }
    if (!inner_closed) {
        if (close_early && tls) {
            altcp_close(tls);
            tls = NULL;
        } else {
            inner->recv(inner->arg, inner, NULL, ERR_OK); /* the peer's FIN */
        }
    }
    room = 0xffff;
    for (int i = 0; i < 3 && !inner_closed; i++) {
        if (inner->sent) inner->sent(inner->arg, inner, 100);
        tls3_poll(test_clock_ms);
    }
    /* Whatever is left, the handshake or closing timeout ends. */
    test_clock_ms += TLS_HANDSHAKE_TIMEOUT_MS + 1;
    tls3_poll(test_clock_ms);
    if (tls) {
        altcp_abort(tls);
        tls = NULL;
    }
    tls3_poll(test_clock_ms);
    const tls3_stats_t *st = tls3_stats();
    CHECK(inner_closed);
    CHECK(st->sessions == 0);
    CHECK(st->handshakes == 0 && st->handshakes_waiting == 0);
    CHECK(st->heap_used == st->heap_baseline);
    return 0;
}
