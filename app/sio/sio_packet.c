#include "app/sio/sio_packet.h"

static int digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

int sio_packet_parse(const uint8_t *p, size_t n, sio_packet_t *out)
{
    size_t i = 0;
    if (n == 0 || !digit(p[0]) || p[0] > '6') return -1;
    out->type = (uint8_t)(p[i++] - '0');
    out->has_id = 0;
    out->id = 0;
    out->attachments = 0;
    if (out->type == SIO_BINARY_EVENT || out->type == SIO_BINARY_ACK) {
        size_t start = i;
        uint64_t a = 0;
        while (i < n && digit(p[i]) && i - start < 10)
            a = a * 10u + (uint64_t)(p[i++] - '0');
        if (i == start || i >= n || p[i] != '-' || a > 0xFFFFFFFFu) return -1;
        out->attachments = (uint32_t)a;
        i++;
    }
    out->nsp = "/";
    out->nsp_len = 1;
    if (i < n && p[i] == '/') {
        size_t start = i;
        while (i < n && p[i] != ',')
            i++;
        out->nsp = (const char *)p + start;
        out->nsp_len = i - start;
        if (i < n) i++; /* the comma; a namespace may also end the packet ("1/admin") */
    }
    if (i < n && digit(p[i])) {
        size_t start = i;
        uint64_t id = 0;
        while (i < n && digit(p[i])) {
            if (i - start >= 10) return -1;
            id = id * 10u + (uint64_t)(p[i++] - '0');
        }
        if (id > 0xFFFFFFFFu) return -1;
        out->has_id = 1;
        out->id = (uint32_t)id;
    }
    out->data = (const char *)p + i;
    out->data_len = n - i;
    return 0;
}

int sio_nsp_is_main(const sio_packet_t *pk)
{
    return pk->nsp_len == 1 && pk->nsp[0] == '/';
}
