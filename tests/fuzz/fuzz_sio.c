/* libFuzzer target: the Engine.IO and Socket.IO parsers alone, then whole sessions fed the
 * input as polling POST bodies and WebSocket frames (the choice, the split points, upgrade
 * probes and clock ticks taken from the input), over a recording glue. Checks: no crash or
 * UB (ASan, UBSan); every packet the server queues is a well-formed Engine.IO packet (a type
 * digit, never a record separator inside, so a polling payload stays splittable); a session
 * that closed holds no queued packet; the table never holds more than MAX_SIO_SESSIONS.
 *
 * Input: records of [op byte][length byte][bytes]. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/jobs/jobs.h"
#include "app/jobs/subs.h"
#include "app/sio/eio.h"
#include "app/sio/sio.h"
#include "app/sio/sio_packet.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

extern uint32_t test_clock_ms;

static void g_output(sio_session_t *s)
{
    (void)s;
}
static void g_probe_failed(sio_session_t *s)
{
    (void)s;
}
static void g_closed(sio_session_t *s, eio_reason_t why)
{
    (void)why;
    CHECK(s->eio.state == EIO_ST_CLOSED);
}
static int g_follow(sio_session_t *s, job_t *j, uint32_t after, unsigned flags)
{
    (void)flags;
    (void)s;
    CHECK(j && after <= j->events + 1000000u);
    return 0;
}
static void g_unfollow(sio_session_t *s, const job_t *j)
{
    (void)s, (void)j;
}
static const sio_glue_t glue = {g_output, g_probe_failed, g_closed, g_follow, g_unfollow};

static void drain(sio_session_t *s)
{
    size_t n;
    const uint8_t *p;
    while ((p = eio_sess_peek(&s->eio, &n))) {
        CHECK(n >= 1 && p[0] >= '0' && p[0] <= '6');
        if (getenv("FUZZ_SIO_DEBUG")) fprintf(stderr, "pkt: %.*s\n", (int)n, (const char *)p);
        CHECK(memchr(p, EIO_SEP, n) == NULL);
        eio_sess_pop(&s->eio);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    /* The parsers on the raw input. */
    eio_packet_t pk;
    eio_packet_parse(d, n, &pk);
    sio_packet_t sp;
    if (sio_packet_parse(d, n, &sp) == 0) {
        CHECK(sp.data + sp.data_len == (const char *)d + n);
        CHECK(sp.type <= SIO_BINARY_ACK);
    }
    char target[HTTP_TARGET_MAX];
    size_t t = n < sizeof target - 1 ? n : sizeof target - 1;
    memcpy(target, d, t);
    target[t] = 0;
    eio_query_t q;
    if (eio_query_parse(target, &q) == 0 && q.has_sid) CHECK(eio_sid_valid(q.sid));

    /* Sessions driven by the input. */
    test_clock_ms = 1000;
    jobs_init();
    subs_init();
    sio_init(&glue);
    sio_session_t *cur = NULL;
    size_t i = 0;
    while (i + 2 <= n) {
        uint8_t op = d[i], len = d[i + 1];
        i += 2;
        size_t m = len <= n - i ? len : n - i;
        const uint8_t *p = d + i;
        i += m;
        if (!cur || cur->slot != SIO_OPEN) {
            cur = sio_open(op & 1 ? EIO_TR_WEBSOCKET : EIO_TR_POLLING, test_clock_ms);
            if (!cur) break;
        }
        switch (op >> 5) {
        case 0:
        case 1:
        case 2:
            if (cur->eio.transport == EIO_TR_POLLING)
                eio_sess_post(&cur->eio, p, m);
            else
                eio_sess_ws_packet(&cur->eio, 0, (op & 2) != 0, p, m);
            break;
        case 3:
            if (eio_sess_probe_begin(&cur->eio) == 0) eio_sess_ws_packet(&cur->eio, 1, 0, p, m);
            break;
        case 4:
            eio_sess_ws_packet(&cur->eio, 1, 0, p, m);
            break;
        case 5:
            if (eio_sess_get(&cur->eio) == 0)
                drain(cur), eio_sess_take_noop(&cur->eio), eio_sess_get_done(&cur->eio);
            break;
        case 6:
            test_clock_ms += (uint32_t)len * 1000u;
            sio_tick(test_clock_ms);
            break;
        default:
            eio_sess_transport_gone(&cur->eio, op & 1);
            cur = NULL; /* a new session next, which may recover the old one */
            break;
        }
        if (cur && cur->slot == SIO_OPEN) drain(cur);
        if (cur && cur->eio.state == EIO_ST_CLOSED) {
            size_t k;
            CHECK(eio_sess_peek(&cur->eio, &k) == NULL);
        }
        while (jobs_run_slice() && (op & 0x10))
            break;
    }
    int pol, ws, dropped;
    sio_counts(&pol, &ws, &dropped);
    CHECK(pol + ws + dropped <= MAX_SIO_SESSIONS);
    return 0;
}
