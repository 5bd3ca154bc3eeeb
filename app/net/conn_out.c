/* Send side of the connection core: one shared staging buffer, the send budget that
 * conn_space() promises, pending output (conn_send's rest) and spills. */
#include <string.h>

#include "app/board.h"
#include "app/log.h"
#include "app/net/conn_internal.h"
#include "lwip/altcp.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

/* conn_space() reads lwIP's own pool and heap statistics. */
_Static_assert(LWIP_STATS &&MEM_STATS &&MEMP_STATS, "conn_space() needs lwIP's statistics");
_Static_assert(CONN_STAGE_SIZE <= 0xffff, "one altcp_write per stage");

/* Writes are gathered in one shared staging buffer and handed to lwIP as one copy per batch
 * (or per stage): lwIP then keeps one exactly sized pbuf per batch, instead of one per small
 * write (which exhausts the segment queue) or one MSS-sized pbuf however little was written
 * (which exhausts the shared heap when many subscribers each get a small event).
 * Single-threaded, so one buffer serves every connection: switching to another connection
 * first commits what the previous one staged. */
static uint8_t stage[CONN_STAGE_SIZE];
static conn_t *stage_conn;
static size_t stage_len;

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Pending output that is not in flash lives in the connection's slot. */
static uint8_t *tx_slot(conn_t *c)
{
    uint8_t *base = conn_slot_get(c);
    if (base) c->slot_tx = 1;
    return base;
}

/* Hand the staged bytes to lwIP. The room was promised by conn_space(), but lwIP's heap can
 * be fragmented past what its free-byte count shows; bytes it refuses wait in the
 * connection's slot and go out from conn_tx_pump() (a spill), in order, so nothing written
 * is lost. */
static int stage_commit(void)
{
    conn_t *c = stage_conn;
    size_t n = stage_len;
    stage_conn = NULL;
    stage_len = 0;
    if (!c || n == 0 || !c->pcb) return 0;
    if (c->tx_left == 0 && altcp_write(c->pcb, stage, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK)
        return 0;
    int had_slot = c->slot >= 0 && c->slot_tx;
    uint8_t *base = tx_slot(c);
    /* A rest that lives in flash cannot take the spill behind it. */
    int in_slot = c->tx_left == 0 ||
                  (had_slot && base && c->tx_ptr >= base && c->tx_ptr < base + CONN_SLOT_SIZE);
    if (!base || !in_slot || c->tx_left + n > CONN_SLOT_SIZE) {
        LOGE("conn %u: %u bytes refused by lwIP and nowhere to hold them; closing", c->index,
             (unsigned)n);
        c->close_req = 1;
        return -1;
    }
    conn_stats_.spills++;
    if (c->tx_left) memmove(base, c->tx_ptr, c->tx_left);
    memcpy(base + c->tx_left, stage, n);
    c->tx_ptr = base;
    c->tx_left += (uint32_t)n;
    return 0;
}

void conn_stage_commit_if(conn_t *c)
{
    if (stage_conn == c) stage_commit();
}

void conn_stage_forget(conn_t *c)
{
    if (stage_conn == c) {
        stage_conn = NULL;
        stage_len = 0;
    }
}

void conn_flush_staged(void)
{
    if (stage_conn) conn_flush(stage_conn);
}

/* What conn_space() promises is kept: any sequence of writes to that connection adding up
 * to that many bytes succeeds, until the next flush or another connection's conn_space().
 * lwIP can refuse a write for four reasons, so the promise is the least of four budgets:
 * the connection's send buffer; its pbuf queue and the shared segment pool (each staged MSS
 * becomes at most two pbufs); and the shared heap the copies live in, less each pbuf's
 * headers and bookkeeping (CONN_HEAP_RESERVE, CONN_PBUF_OVERHEAD in app/config.h). */

/* The heap's free-byte count does not say whether it holds MSS-sized blocks in one piece:
 * with many subscribers the heap fragments, lwIP refused writes that the count allowed, and
 * with more such connections than pool slots to spill into, they were closed. When the heap
 * is tight the heap itself is asked: up to `want` blocks the size tcp_write allocates per
 * commit are allocated and freed at once. Returns how many could be had together. */
static size_t heap_blocks(size_t want)
{
    struct pbuf *p[TCP_SND_BUF / TCP_MSS + 1];
    size_t k = 0;
    if (want > sizeof p / sizeof p[0]) want = sizeof p / sizeof p[0];
    STAT_COUNTER err = lwip_stats.mem.err; /* a probe that fails is not an error */
    for (; k < want; k++)
        if ((p[k] = pbuf_alloc(PBUF_TRANSPORT, TCP_MSS, PBUF_RAM)) == NULL) break;
    for (size_t i = 0; i < k; i++)
        pbuf_free(p[i]);
    lwip_stats.mem.err = err;
    return k;
}

/* Room as lwIP counts it, ignoring what waits in the connection's slot. */
static size_t tcp_room(conn_t *c)
{
    if (!c->pcb) return 0;
    size_t staged = stage_conn == c ? stage_len : 0;
    size_t space = altcp_sndbuf(c->pcb);
    int q = TCP_SND_QUEUELEN - 2 - (int)altcp_sndqueuelen(c->pcb);
    const struct stats_mem *seg = lwip_stats.memp[MEMP_TCP_SEG];
    int segs = (int)seg->avail - (int)seg->used - 2;
    if (segs < q) q = segs;
    if (q <= 0) return 0;
    space = min_sz(space, (size_t)q * (TCP_MSS / 2));
    size_t heap_free = lwip_stats.mem.avail - lwip_stats.mem.used;
    if (heap_free <= CONN_HEAP_RESERVE) return 0;
    /* Every MSS of data costs at most one pbuf of overhead. */
    size_t blocks = (heap_free - CONN_HEAP_RESERVE) / (TCP_MSS + CONN_PBUF_OVERHEAD);
    size_t need = (min_sz(space, blocks * TCP_MSS) + TCP_MSS - 1) / TCP_MSS;
    if (blocks < 2 * need) blocks = heap_blocks(need); /* tight: fragments matter */
    space = min_sz(space, blocks * TCP_MSS);
    return space > staged ? space - staged : 0;
}

size_t conn_space(conn_t *c)
{
    /* Bytes another connection staged take heap and segments once committed, and every
     * budget below is shared: counted without them, the promise could be broken by the
     * commit that the first write here makes (a refusal, a spill, and without a free slot
     * a closed connection). So they go to lwIP before the budget is measured. */
    if (stage_conn && stage_conn != c) stage_commit();
    /* Pending output goes first: new writes queue behind it. */
    return c->mode != CONN_OPEN || c->tx_left ? 0 : tcp_room(c);
}

int conn_write(conn_t *c, const void *data, size_t len)
{
    if (len == 0) return 0;
    if (!c->pcb || len > conn_space(c)) return -1;
    if (stage_conn != c) {
        stage_commit();
        stage_conn = c;
    }
    const uint8_t *p = data;
    while (len > 0) {
        size_t k = min_sz(len, sizeof stage - stage_len);
        memcpy(stage + stage_len, p, k);
        stage_len += k;
        p += k;
        len -= k;
        if (stage_len == sizeof stage) {
            if (stage_commit() != 0) return -1;
            stage_conn = c;
        }
    }
    c->t_active = board_now_ms();
    return 0;
}

void conn_flush(conn_t *c)
{
    if (stage_conn == c) stage_commit();
    if (c->pcb) altcp_output(c->pcb);
}

int conn_sending(const conn_t *c)
{
    return c->tx_left > 0;
}

int conn_send(conn_t *c, const void *data, size_t len, int lifetime)
{
    const uint8_t *p = data;
    size_t now = min_sz(len, conn_space(c));
    if (now > 0 && conn_write(c, p, now) != 0) now = 0;
    /* What is staged (a head, the body's first part) goes to lwIP before the rest is queued:
     * committed with output already pending, it would spill behind that output and the
     * bytes would go out of order. */
    conn_stage_commit_if(c);
    size_t rest = len - now;
    if (rest > 0) {
        if (lifetime == CONN_STATIC && c->tx_left == 0) {
            c->tx_ptr = p + now;
        } else {
            /* Behind whatever a spill left there; a body answered from its own slot may
             * overlap where it goes (memmove). */
            uint8_t *base = c->tx_left + rest <= CONN_SLOT_SIZE ? tx_slot(c) : NULL;
            if (!base) {
                LOGW("conn %u: %u bytes of output have nowhere to wait", c->index, (unsigned)rest);
                conn_close(c);
                return -1;
            }
            if (c->tx_left && c->tx_ptr != base) memmove(base, c->tx_ptr, c->tx_left);
            memmove(base + c->tx_left, p + now, rest);
            c->tx_ptr = base;
        }
        c->tx_left += (uint32_t)rest;
    }
    conn_tx_pump(c);
    return 0;
}

void conn_tx_pump(conn_t *c)
{
    if (stage_conn == c) stage_commit();
    while (c->tx_left > 0 && c->pcb) {
        size_t n = min_sz(c->tx_left, tcp_room(c));
        if (n > 0xffff) n = 0xffff;
        if (n == 0 || altcp_write(c->pcb, c->tx_ptr, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* the sent-callback or the next pass retries */
        c->tx_ptr += n;
        c->tx_left -= (uint32_t)n;
    }
    if (c->pcb) altcp_output(c->pcb);
    if (c->tx_left == 0 && c->mode == CONN_OPEN) {
        c->tx_ptr = NULL;
        if (c->slot_tx) {
            c->slot_tx = 0;
            conn_slot_put(c);
        }
        if (c->close_after) conn_close(c);
    }
}
