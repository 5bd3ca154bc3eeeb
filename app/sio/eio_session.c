#include "app/sio/eio_session.h"

#include <string.h>

const eio_limits_t eio_limits_default = {SIO_PING_INTERVAL_MS, SIO_PING_TIMEOUT_MS,
                                         SIO_UPGRADE_TIMEOUT_MS};

/* Wrapping millisecond clock: has t come? */
static int due(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static void end(eio_sess_t *s, eio_reason_t why)
{
    if (s->state == EIO_ST_CLOSED) return;
    s->state = EIO_ST_CLOSED;
    s->q_len = 0;
    s->q_count = 0;
    s->noop_owed = 0;
    s->h->closed(s, why);
}

static void kick(eio_sess_t *s)
{
    if (s->state == EIO_ST_OPEN && eio_sess_has_output(s)) s->h->output(s);
}

int eio_sess_can_send(const eio_sess_t *s, size_t n)
{
    return s->state == EIO_ST_OPEN && (size_t)s->q_len + 3 + n <= sizeof s->q && s->q_count < 255;
}

int eio_sess_send(eio_sess_t *s, uint8_t type, const void *data, size_t n)
{
    if (!eio_sess_can_send(s, n)) return -1;
    uint8_t *w = s->q + s->q_len;
    size_t len = n + 1;
    w[0] = (uint8_t)(len >> 8);
    w[1] = (uint8_t)len;
    w[2] = type;
    if (n) memcpy(w + 3, data, n);
    s->q_len = (uint16_t)(s->q_len + 2 + len);
    s->q_count++;
    kick(s);
    return 0;
}

const uint8_t *eio_sess_peek(const eio_sess_t *s, size_t *n)
{
    if (!s->q_count) return NULL;
    *n = (size_t)s->q[0] << 8 | s->q[1];
    return s->q + 2;
}

void eio_sess_pop(eio_sess_t *s)
{
    size_t n;
    if (!eio_sess_peek(s, &n)) return;
    size_t rec = 2 + n;
    memmove(s->q, s->q + rec, s->q_len - rec);
    s->q_len = (uint16_t)(s->q_len - rec);
    s->q_count--;
}

int eio_sess_take_noop(eio_sess_t *s)
{
    int r = s->noop_owed;
    s->noop_owed = 0;
    return r;
}

int eio_sess_has_output(const eio_sess_t *s)
{
    return s->q_count > 0 || s->noop_owed;
}

static void schedule_ping(eio_sess_t *s)
{
    s->pong_wait = 0;
    s->ping_at_ms = s->now_ms + s->lim->ping_interval_ms;
}

void eio_sess_open(eio_sess_t *s, const char *sid, eio_transport_t transport, uint32_t max_payload,
                   const eio_hooks_t *h, const eio_limits_t *lim, void *user, uint32_t now_ms)
{
    memset(s, 0, sizeof *s);
    s->h = h;
    s->lim = lim ? lim : &eio_limits_default;
    s->user = user;
    memcpy(s->sid, sid, EIO_SID_LEN);
    s->sid[EIO_SID_LEN] = 0;
    s->transport = (uint8_t)transport;
    s->now_ms = now_ms;
    schedule_ping(s);
    char open[160];
    sink_t k;
    sink_init(&k, open, sizeof open, 0);
    eio_render_open(&k, s->sid, transport == EIO_TR_POLLING, s->lim->ping_interval_ms,
                    s->lim->ping_timeout_ms, max_payload);
    eio_sess_send(s, EIO_OPEN, open + 1, k.n - 1);
}

int eio_sess_get(eio_sess_t *s)
{
    if (s->state != EIO_ST_OPEN) return -1;
    if (s->transport != EIO_TR_POLLING) return EIO_ERR_BAD;
    if (s->get_parked) {
        end(s, EIO_REASON_OVERLAP);
        return -1;
    }
    s->get_parked = 1;
    return 0;
}

void eio_sess_get_done(eio_sess_t *s)
{
    s->get_parked = 0;
}

/* One packet from the client on the session's own transport. 0, or -1 (closed). */
static int packet(eio_sess_t *s, const eio_packet_t *pk)
{
    switch (pk->type) {
    case EIO_PONG:
        if (s->pong_wait) schedule_ping(s);
        return 0;
    case EIO_PING: /* not sent by v4 clients; a short one is answered as older ones expect */
        if (pk->len > 8 || memchr(pk->data, EIO_SEP, pk->len) ||
            eio_sess_send(s, EIO_PONG, pk->data, pk->len) != 0) {
            end(s, EIO_REASON_PARSE);
            return -1;
        }
        return 0;
    case EIO_MESSAGE:
        if (s->h->message(s, pk->data, pk->len) != 0) {
            end(s, EIO_REASON_PARSE);
            return -1;
        }
        return s->state == EIO_ST_OPEN ? 0 : -1;
    case EIO_CLOSE:
        end(s, EIO_REASON_CLIENT);
        return -1;
    case EIO_NOOP:
        return 0;
    default: /* open or upgrade from the client, or on the wrong transport */
        end(s, EIO_REASON_PARSE);
        return -1;
    }
}

static int binary_pkt(eio_sess_t *s)
{
    if (s->h->binary && s->h->binary(s) == 0) return s->state == EIO_ST_OPEN ? 0 : -1;
    end(s, EIO_REASON_PARSE);
    return -1;
}

int eio_sess_post_begin(eio_sess_t *s)
{
    if (s->state != EIO_ST_OPEN) return -1;
    if (s->post_busy) {
        end(s, EIO_REASON_OVERLAP);
        return -1;
    }
    s->post_busy = 1;
    return 0;
}

void eio_sess_post_end(eio_sess_t *s)
{
    s->post_busy = 0;
}

int eio_sess_post(eio_sess_t *s, const uint8_t *body, size_t n)
{
    if (s->state != EIO_ST_OPEN) return -1;
    if (s->transport != EIO_TR_POLLING) return EIO_ERR_BAD;
    eio_payload_t it;
    eio_packet_t pk;
    int r;
    /* Validate the whole payload before acting on any of it: a malformed one is refused
     * whole, like the reference server's decoder does. */
    eio_payload_init(&it, body, n, 0xFFFFu);
    while ((r = eio_payload_next(&it, &pk)) == 1 || r == EIO_E_BINARY)
        ;
    if (r < 0) {
        end(s, EIO_REASON_PARSE);
        return -1;
    }
    eio_payload_init(&it, body, n, 0xFFFFu);
    while ((r = eio_payload_next(&it, &pk)) != 0) {
        if (r == EIO_E_BINARY ? binary_pkt(s) : packet(s, &pk)) return -1;
    }
    return 0;
}

int eio_sess_probe_begin(eio_sess_t *s)
{
    if (s->state != EIO_ST_OPEN || s->transport != EIO_TR_POLLING || s->upgrade != EIO_UP_NONE)
        return EIO_ERR_BAD;
    s->upgrade = EIO_UP_PROBING;
    s->upgrade_by_ms = s->now_ms + s->lim->upgrade_timeout_ms;
    return 0;
}

static void probe_fail(eio_sess_t *s)
{
    s->upgrade = EIO_UP_NONE;
    s->noop_owed = 0;
    if (s->h->probe_failed) s->h->probe_failed(s);
}

int eio_sess_ws_packet(eio_sess_t *s, int probe, int binary, const uint8_t *p, size_t n)
{
    if (s->state != EIO_ST_OPEN) return EIO_WS_CLOSED;
    eio_packet_t pk;
    int bad = binary || eio_packet_parse(p, n, &pk) != 0;
    if (probe) {
        if (s->upgrade == EIO_UP_NONE) return EIO_WS_PROBE_BAD;
        if (!bad && s->upgrade == EIO_UP_PROBING && pk.type == EIO_PING && pk.len == 5 &&
            memcmp(pk.data, "probe", 5) == 0) {
            s->upgrade = EIO_UP_PROBED;
            s->noop_owed = 1; /* the parked GET returns so the client can pause polling */
            kick(s);
            return EIO_WS_PROBE_REPLY;
        }
        if (!bad && s->upgrade == EIO_UP_PROBED && pk.type == EIO_UPGRADE && pk.len == 0) {
            s->upgrade = EIO_UP_NONE;
            s->transport = EIO_TR_WEBSOCKET;
            /* A GET still parked returns empty-handed; what waits goes out on the socket. */
            s->noop_owed = s->get_parked;
            kick(s);
            return EIO_WS_UPGRADED;
        }
        if (!bad && pk.type == EIO_NOOP) return EIO_WS_OK;
        probe_fail(s);
        return EIO_WS_PROBE_BAD;
    }
    if (s->transport == EIO_TR_WEBSOCKET && binary)
        return binary_pkt(s) == 0 ? EIO_WS_OK : EIO_WS_CLOSED;
    if (s->transport != EIO_TR_WEBSOCKET || bad) {
        end(s, EIO_REASON_PARSE);
        return EIO_WS_CLOSED;
    }
    return packet(s, &pk) == 0 ? EIO_WS_OK : EIO_WS_CLOSED;
}

void eio_sess_transport_gone(eio_sess_t *s, int probe)
{
    if (s->state != EIO_ST_OPEN) return;
    if (probe) {
        if (s->upgrade != EIO_UP_NONE) {
            s->upgrade = EIO_UP_NONE;
            s->noop_owed = 0;
        }
        return;
    }
    end(s, EIO_REASON_TRANSPORT);
}

void eio_sess_tick(eio_sess_t *s, uint32_t now_ms)
{
    if (s->state != EIO_ST_OPEN) return;
    s->now_ms = now_ms;
    if (s->upgrade != EIO_UP_NONE && due(now_ms, s->upgrade_by_ms)) probe_fail(s);
    if (!due(now_ms, s->ping_at_ms)) return;
    if (s->pong_wait) {
        end(s, EIO_REASON_PING);
        return;
    }
    if (eio_sess_send(s, EIO_PING, NULL, 0) != 0) return; /* full: try on the next pass */
    s->pong_wait = 1;
    s->ping_at_ms = now_ms + s->lim->ping_timeout_ms;
}

void eio_sess_close(eio_sess_t *s, eio_reason_t why)
{
    end(s, why);
}
