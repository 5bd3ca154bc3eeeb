/* The connection table: listen and accept, modes and lifecycle, the pool slots, and the
 * per-pass poll. See conn_internal.h for the legal states. */
#include <string.h>

#include "app/board.h"
#include "app/log.h"
#include "app/net/conn_internal.h"
#include "port/tcp_guard.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

static conn_t conns[MAX_CONNS];
conn_stats_t conn_stats_;

/* An altcp listener: lwIP 2.2's altcp_tcp_accept ignores the NULL PCB that tcp_listen_input
 * reports when the PCB pool is exhausted (2.1 dereferenced it, so this was a raw TCP
 * listener then). A listener's wrap (TLS) is applied to each accepted connection. */
typedef struct {
    struct altcp_pcb *pcb;
    const conn_proto_t *proto;
    conn_wrap_fn wrap;
} listener_t;
static listener_t listeners[CONN_LISTENERS];

/* Request bodies, response tails and spills borrow these (CONN_SLOTS x CONN_SLOT_SIZE). */
static uint8_t slot_mem[CONN_SLOTS][CONN_SLOT_SIZE];
static uint8_t slot_busy[CONN_SLOTS];

const conn_stats_t *conn_stats(void)
{
    return &conn_stats_;
}

void *conn_state(conn_t *c)
{
    return c->u.state;
}

unsigned conn_index(const conn_t *c)
{
    return c->index;
}

uint32_t conn_last_active(const conn_t *c)
{
    return c->t_active;
}

int conn_wrapped(const conn_t *c)
{
    return c->wrapped;
}

const conn_proto_t *conn_proto(const conn_t *c)
{
    return c->mode == CONN_OPEN ? c->proto : NULL;
}

conn_ref_t conn_ref(conn_t *c)
{
    conn_ref_t r = {c->index, c->mode == CONN_OPEN ? c->gen : 0};
    return r;
}

conn_t *conn_deref(conn_ref_t r)
{
    if (r.gen == 0 || r.index >= MAX_CONNS) return NULL;
    conn_t *c = &conns[r.index];
    return c->mode == CONN_OPEN && c->gen == r.gen ? c : NULL;
}

int conn_closing(const conn_t *c)
{
    return c->mode != CONN_OPEN || c->close_after || c->close_req;
}

/* ---- pool slots ------------------------------------------------------------------- */

uint8_t *conn_slot_get(conn_t *c)
{
    if (c->slot >= 0) return slot_mem[c->slot];
    for (int i = 0; i < CONN_SLOTS; i++) {
        if (!slot_busy[i]) {
            slot_busy[i] = 1;
            c->slot = (int8_t)i;
            if (++conn_stats_.slots_used > conn_stats_.slots_peak)
                conn_stats_.slots_peak = conn_stats_.slots_used;
            return slot_mem[i];
        }
    }
    return NULL;
}

void conn_slot_put(conn_t *c)
{
    if (c->slot >= 0) {
        slot_busy[c->slot] = 0;
        c->slot = -1;
        c->slot_tx = 0;
        conn_stats_.slots_used--;
    }
}

/* ---- modes -------------------------------------------------------------------------- */

static void count(const conn_proto_t *p, int d)
{
    if (!p) return;
    if (p->kind == CONN_KIND_STREAM)
        conn_stats_.stream += (uint32_t)d;
    else
        conn_stats_.http += (uint32_t)d;
}

void conn_set_proto(conn_t *c, const conn_proto_t *proto)
{
    if (c->mode != CONN_OPEN) return;
    const conn_proto_t *old = c->proto;
    if (old && old->on_close) old->on_close(c);
    count(old, -1);
    count(proto, +1);
    c->proto = proto;
    memset(&c->u, 0, sizeof c->u);
    if (proto->on_open) proto->on_open(c);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

void conn_drop_state(conn_t *c)
{
    if (c->mode == CONN_OPEN) {
        const conn_proto_t *p = c->proto;
        c->proto = NULL;
        if (p && p->on_close) p->on_close(c);
        count(p, -1);
    } else if (c->mode == CONN_LINGER) {
        conn_stats_.lingering--;
    }
    if (c->rx) {
        pbuf_free(c->rx);
        c->rx = NULL;
    }
    c->tx_left = 0;
    c->tx_ptr = NULL;
    conn_slot_put(c);
}

void conn_free_slot_record(conn_t *c)
{
    uint16_t gen = (uint16_t)(c->gen + 1);
    conn_stats_.active--;
    memset(c, 0, sizeof *c);
    c->gen = gen ? gen : 1;
    c->index = (uint16_t)(c - conns);
    c->slot = -1;
    c->mode = CONN_FREE;
}

cb_frame_t conn_frame;

void conn_hard_close(conn_t *c)
{
    conn_stage_commit_if(c);
    struct altcp_pcb *pcb = c->pcb;
    conn_drop_state(c);
    c->pcb = NULL;
    if (pcb) {
        altcp_arg(pcb, NULL);
        altcp_recv(pcb, NULL);
        altcp_sent(pcb, NULL);
        altcp_err(pcb, NULL);
        if (altcp_close(pcb) != ERR_OK) conn_pcb_abort(pcb);
    }
    conn_free_slot_record(c);
}

void conn_close_later(conn_t *c)
{
    c->close_req = 1;
}

void conn_close_when_sent(conn_t *c)
{
    if (c->mode != CONN_OPEN) return;
    if (c->tx_left == 0)
        conn_close(c);
    else
        c->close_after = 1;
}

void conn_settle(conn_t *c)
{
    if (c->mode == CONN_OPEN && c->close_req) conn_close(c);
}

void conn_close(conn_t *c)
{
    if (c->mode != CONN_OPEN) return;
    conn_rx_drop(c);
    if (!c->pcb || c->tx_left) {
        conn_hard_close(c); /* nothing to linger on, or output would be cut anyway */
        return;
    }
    conn_drop_state(c); /* the protocol lets go first: nothing more is written */
    conn_stage_commit_if(c);
    if (altcp_shutdown(c->pcb, 0, 1) != ERR_OK) {
        conn_hard_close(c);
        return;
    }
    c->mode = CONN_LINGER;
    c->close_after = c->close_req = 0;
    c->t_active = board_now_ms();
    conn_stats_.lingering++;
}

static void on_err(void *arg, err_t err)
{
    conn_t *c = arg;
    if (!c) return;
    LOGD("conn %u: reset (%d)", c->index, err);
    c->pcb = NULL; /* lwIP has freed it */
    conn_stage_forget(c);
    conn_drop_state(c);
    conn_free_slot_record(c);
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    (void)len;
    conn_t *c = arg;
    if (!c || c->mode != CONN_OPEN) return ERR_OK;
    cb_frame_t outer = cb_frame_enter(&conn_frame, pcb);
    c->t_active = board_now_ms();
    conn_tx_pump(c);
    if (c->mode == CONN_OPEN && c->proto->on_writable) {
        c->proto->on_writable(c);
        conn_settle(c);
    }
    if (c->mode == CONN_OPEN) conn_rx_deliver(c);
    return cb_frame_leave(&conn_frame, outer);
}

/* ---- accept ------------------------------------------------------------------------- */

int conn_pressure(void)
{
    return conn_stats_.active + conn_stats_.lingering / 2 >= MAX_CONNS - MAX_CONNS / 4;
}

/* Availability under exhaustion: with every slot taken, the connection that has waited
 * longest for its peer (connected and silent, kept alive with no request, or trickling an
 * incomplete request) gives its slot to the newcomer. Connections with work under way (a
 * request being answered, an event stream, a WebSocket session) are never chosen; neither
 * are lingering ones, which free themselves within CONN_LINGER_MS. A table held by idle
 * or slowloris connections therefore still serves every new client, and the attacker's
 * oldest connection is the one that goes. */
static conn_t *evict_candidate(uint32_t now)
{
    conn_t *best = NULL;
    uint32_t best_wait = 0;
    for (int i = 0; i < MAX_CONNS; i++) {
        conn_t *c = &conns[i];
        uint32_t since;
        if (c->mode != CONN_OPEN || !c->proto->waiting || c->tx_left || c->close_after ||
            c->close_req || !c->proto->waiting(c, &since))
            continue;
        if (!best || now - since > best_wait) {
            best = c;
            best_wait = now - since;
        }
    }
    return best;
}

/* The slot is needed now: the PCB is aborted (a RST, and lwIP frees it at once; a FIN would
 * keep it in FIN_WAIT for up to 20 s, and the pool would fill with them). */
static void evict(conn_t *c, uint32_t now)
{
    uint32_t since = now;
    c->proto->waiting(c, &since);
    LOGW("conn: table full (%d), closing conn %u, waiting %lu ms, for a new one", MAX_CONNS,
         c->index, (unsigned long)(now - since));
    conn_stats_.evicted++;
    struct altcp_pcb *pcb = c->pcb;
    conn_stage_forget(c);
    conn_drop_state(c);
    c->pcb = NULL;
    conn_free_slot_record(c);
    if (pcb) {
        altcp_arg(pcb, NULL);
        altcp_recv(pcb, NULL);
        altcp_sent(pcb, NULL);
        altcp_err(pcb, NULL);
        conn_pcb_abort(pcb);
    }
}

static void refuse(struct altcp_pcb *pcb, const conn_proto_t *proto)
{
    conn_stats_.refused++;
    altcp_arg(pcb, NULL);
    altcp_recv(pcb, conn_on_recv); /* with no conn: discards and acknowledges */
    if (proto->refusal) {
        static char msg[CONN_REFUSAL_MAX];
        size_t n = proto->refusal(msg, sizeof msg);
        if (n) altcp_write(pcb, msg, (u16_t)n, TCP_WRITE_FLAG_COPY);
        altcp_output(pcb);
    }
    if (altcp_close(pcb) != ERR_OK) conn_pcb_abort(pcb);
}

static void accept_body(const listener_t *l, struct altcp_pcb *pcb);

static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    const listener_t *l = arg;
    if (err != ERR_OK || pcb == NULL) {
        conn_stats_.refused++; /* no PCB for this SYN: the peer retries or gives up */
        return ERR_VAL;
    }
    cb_frame_t outer = cb_frame_enter(&conn_frame, pcb);
    struct altcp_pcb *app_pcb = l->wrap ? l->wrap(pcb) : pcb;
    if (!app_pcb) { /* no TLS session or memory: plain connections are not affected */
        conn_stats_.refused++;
        LOGW("conn: refused by the listener's wrapper (no TLS session free)");
        if (altcp_close(pcb) != ERR_OK) conn_pcb_abort(pcb);
    } else {
        cb_frame_follow(&conn_frame, app_pcb); /* aborting the wrapper aborts pcb */
        accept_body(l, app_pcb);
    }
    return cb_frame_leave(&conn_frame, outer);
}

static void accept_body(const listener_t *l, struct altcp_pcb *pcb)
{
    conn_t *c = NULL;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (conns[i].mode == CONN_FREE) {
            c = &conns[i];
            break;
        }
    }
    if (!c) {
        uint32_t now = board_now_ms();
        c = evict_candidate(now);
        if (c) evict(c, now);
    }
    if (!c) {
        LOGW("conn: table full (%d), refusing", MAX_CONNS);
        refuse(pcb, l->proto);
        return;
    }
    c->pcb = pcb;
    c->mode = CONN_OPEN;
    c->wrapped = l->wrap != NULL;
    c->t_active = board_now_ms();
    /* Served connections outrank half-open ones: lwIP must never reclaim a live connection
     * to make room for a new SYN. */
    altcp_setprio(pcb, TCP_PRIO_MAX);
    altcp_nagle_disable(pcb);
    altcp_arg(pcb, c);
    altcp_recv(pcb, conn_on_recv);
    altcp_sent(pcb, on_sent);
    altcp_err(pcb, on_err);
    conn_stats_.accepted++;
    if (++conn_stats_.active > conn_stats_.peak) conn_stats_.peak = conn_stats_.active;
    count(l->proto, +1);
    c->proto = l->proto;
    if (l->proto->on_open) l->proto->on_open(c);
}

void conn_init(void)
{
    memset(conns, 0, sizeof conns);
    for (int i = 0; i < MAX_CONNS; i++) {
        conns[i].index = (uint16_t)i;
        conns[i].gen = 1;
        conns[i].slot = -1;
    }
    memset(listeners, 0, sizeof listeners);
    memset(slot_busy, 0, sizeof slot_busy);
    memset(&conn_stats_, 0, sizeof conn_stats_);
}

int conn_listen(uint16_t port, const conn_proto_t *proto, conn_wrap_fn wrap)
{
    listener_t *l = NULL;
    for (int i = 0; i < CONN_LISTENERS && !l; i++)
        if (!listeners[i].pcb) l = &listeners[i];
    if (!l) {
        LOGE("conn: no listener slot for port %u (CONN_LISTENERS %d)", port, CONN_LISTENERS);
        return -1;
    }
    struct altcp_pcb *pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb || altcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        LOGE("conn: cannot bind port %u", port);
        if (pcb) altcp_close(pcb);
        return -1;
    }
    struct altcp_pcb *lp = altcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
    if (!lp) {
        LOGE("conn: cannot listen on port %u", port);
        return -1;
    }
    l->pcb = lp;
    l->proto = proto;
    l->wrap = wrap;
    altcp_arg(lp, l);
    altcp_accept(lp, on_accept);
    return 0;
}

void conn_shutdown(void)
{
    for (int i = 0; i < MAX_CONNS; i++)
        conn_close(&conns[i]);
    /* Listeners stay open: the superloop is ending, and lwIP 2.2.1's altcp_tcp_close reads
     * the poll callback of the PCB it closes, a field a listening PCB does not have (a
     * read past tcp_pcb_listen that AddressSanitizer reports). Stop accepting instead. */
    for (int i = 0; i < CONN_LISTENERS; i++)
        if (listeners[i].pcb) altcp_accept(listeners[i].pcb, NULL);
}

int conn_poll(uint32_t now)
{
    int busy = 0;
    for (int i = 0; i < MAX_CONNS; i++) {
        conn_t *c = &conns[i];
        if (c->mode == CONN_FREE) continue;
        /* The peer's FIN after ours closes the PCB (conn_in.c); TLS checks its own. */
        port_tcp_check_not_time_wait(c->pcb, "conn: holds a TIME_WAIT pcb");
        if (c->mode == CONN_LINGER) {
            if (now - c->t_active > CONN_LINGER_MS) conn_hard_close(c);
            continue;
        }
        if (c->tx_left) {
            conn_tx_pump(c); /* room freed by other connections raises no sent-callback */
            if (c->mode != CONN_OPEN) continue;
        }
        if (c->proto->on_tick && c->proto->on_tick(c, now)) busy = 1;
        conn_settle(c);
        if (c->mode == CONN_OPEN && c->rx) conn_rx_deliver(c); /* held input may go now */
    }
    conn_flush_staged();
    return busy;
}
