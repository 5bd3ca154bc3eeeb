#include "app/sio/eio.h"

#include <string.h>

#include "app/http/http_parser.h"

int eio_packet_parse(const uint8_t *p, size_t n, eio_packet_t *out)
{
    if (n == 0) return EIO_E_EMPTY;
    if (p[0] == 'b') return EIO_E_BINARY;
    if (p[0] < EIO_OPEN || p[0] > EIO_NOOP) return EIO_E_TYPE;
    out->type = p[0];
    out->data = p + 1;
    out->len = n - 1;
    return 0;
}

void eio_payload_init(eio_payload_t *it, const uint8_t *p, size_t n, unsigned max_packets)
{
    it->p = p;
    it->n = n;
    it->pos = 0;
    it->count = 0;
    it->max = max_packets;
    it->done = 0;
}

int eio_payload_next(eio_payload_t *it, eio_packet_t *out)
{
    if (it->done) return 0;
    size_t start = it->pos, end = start;
    while (end < it->n && it->p[end] != EIO_SEP)
        end++;
    if (end == it->n)
        it->done = 1;
    else
        it->pos = end + 1; /* a trailing separator leaves an empty last packet: refused */
    if (++it->count > it->max) return EIO_E_COUNT;
    int r = eio_packet_parse(it->p + start, end - start, out);
    return r == 0 ? 1 : r;
}

static const char *const err_msgs[] = {
    "Transport unknown", "Session ID unknown", "Bad handshake method",
    "Bad request",       "Forbidden",          "Unsupported protocol version",
};

const char *eio_err_message(eio_err_t e)
{
    return (unsigned)e < sizeof err_msgs / sizeof err_msgs[0] ? err_msgs[e] : "Bad request";
}

void eio_render_error(sink_t *s, eio_err_t e)
{
    sink_str(s, "{\"code\":");
    sink_u32(s, (uint32_t)e);
    sink_str(s, ",\"message\":\"");
    sink_str(s, eio_err_message(e));
    sink_str(s, "\"}");
}

static int b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int eio_sid_valid(const char *sid)
{
    size_t i = 0;
    for (; sid[i]; i++)
        if (i >= EIO_SID_LEN || !b64url_char(sid[i])) return 0;
    return i == EIO_SID_LEN;
}

static int query_check(const char *target, eio_query_t *q)
{
    char v[48];
    memset(q, 0, sizeof *q);
    /* Order as the reference server: transport first, then the protocol version. */
    int n = http_query_param(target, "transport", v, sizeof v);
    if (n < 0) return EIO_ERR_TRANSPORT;
    if (strcmp(v, "polling") == 0)
        q->transport = EIO_TR_POLLING;
    else if (strcmp(v, "websocket") == 0)
        q->transport = EIO_TR_WEBSOCKET;
    else
        return EIO_ERR_TRANSPORT;
    n = http_query_param(target, "sid", v, sizeof v);
    if (n >= 0) {
        if (!eio_sid_valid(v)) return EIO_ERR_SID;
        memcpy(q->sid, v, EIO_SID_LEN + 1);
        q->has_sid = 1;
        return EIO_QUERY_OK; /* an existing session: EIO was checked at its handshake */
    }
    n = http_query_param(target, "EIO", v, sizeof v);
    if (n < 0 || strcmp(v, "4") != 0) return EIO_ERR_VERSION;
    return EIO_QUERY_OK;
}

int eio_query_parse(const char *target, eio_query_t *q)
{
    int e = query_check(target, q);
    q->err = (uint8_t)e;
    return e < 0 ? -1 : e == EIO_QUERY_OK ? 0 : -1;
}

void eio_render_open(sink_t *s, const char *sid, int offer_upgrade, uint32_t ping_interval_ms,
                     uint32_t ping_timeout_ms, uint32_t max_payload)
{
    sink_str(s, "0{\"sid\":\"");
    sink_str(s, sid);
    sink_str(s, offer_upgrade ? "\",\"upgrades\":[\"websocket\"]" : "\",\"upgrades\":[]");
    sink_str(s, ",\"pingInterval\":");
    sink_u32(s, ping_interval_ms);
    sink_str(s, ",\"pingTimeout\":");
    sink_u32(s, ping_timeout_ms);
    sink_str(s, ",\"maxPayload\":");
    sink_u32(s, max_payload);
    sink_str(s, "}");
}

void eio_make_sid(const uint8_t rnd[15], char out[EIO_SID_LEN + 1])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int g = 0; g < 5; g++) {
        uint32_t v = (uint32_t)rnd[3 * g] << 16 | (uint32_t)rnd[3 * g + 1] << 8 | rnd[3 * g + 2];
        for (int k = 0; k < 4; k++)
            out[4 * g + k] = abc[(v >> (18 - 6 * k)) & 63u];
    }
    out[EIO_SID_LEN] = 0;
}
