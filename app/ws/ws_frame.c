#include "app/ws/ws_frame.h"

#include <string.h>

void ws_parser_init(ws_parser_t *p, uint32_t msg_max)
{
    memset(p, 0, sizeof(*p));
    p->msg_max = msg_max;
    p->hdr_need = 2;
}

/* A data frame longer than the message limit allows: refuse it (1009) as soon as its length
 * is known, and skip the rest of it (the 4 mask bytes still to come, then the payload) so
 * that framing stays in step and the peer's answer to our close can still be recognised. */
static size_t fail_too_big(ws_parser_t *p, uint16_t *err, uint64_t len, size_t used)
{
    *err = WS_CLOSE_TOO_BIG;
    p->opcode = WS_P_SKIP_OP;
    p->msg_op = 0; /* the refused message is over; what follows is only scanned for a close */
    p->msg_len = 0;
    p->frame_len = len;
    p->remaining = len + 4; /* cannot wrap: len < 2^63 */
    p->state = WS_P_PAYLOAD;
    return used;
}

/* An error after which frame boundaries cannot be trusted: the stream is only discarded. */
static size_t fail_broken(ws_parser_t *p, uint16_t *err, size_t used)
{
    *err = WS_CLOSE_PROTOCOL;
    p->state = WS_P_BROKEN;
    return used;
}

/* Checks of the first byte: everything about the opcode and the message sequence. */
static bool first_byte_ok(const ws_parser_t *p, uint8_t b0)
{
    uint8_t op = b0 & 0x0F;
    if (b0 & 0x70) return false; /* RSV1-3: no extension was negotiated */
    switch (op) {
    case WS_OP_CONT:
        return p->msg_op != 0; /* continuation of nothing */
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        return p->msg_op == 0; /* a new message inside a fragmented one */
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        return (b0 & 0x80) != 0; /* control frames are never fragmented (§5.5) */
    default:
        return false; /* reserved opcodes 3-7 and B-F */
    }
}

static uint64_t header_len(const ws_parser_t *p)
{
    uint8_t len7 = p->hdr[1] & 0x7F;
    if (len7 < 126) return len7;
    if (len7 == 126) return ((uint64_t)p->hdr[2] << 8) | p->hdr[3];
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len = (len << 8) | p->hdr[2 + i];
    return len;
}

/* The length is known (with or without extended bytes): check the message limit. */
static bool len_fits(const ws_parser_t *p, uint64_t len)
{
    return ws_op_is_control(p->opcode) || len <= (uint64_t)(p->msg_max - p->msg_len);
}

size_t ws_parser_header(ws_parser_t *p, const uint8_t *in, size_t n, uint16_t *err)
{
    size_t used = 0;
    *err = 0;
    while (used < n && p->hdr_len < p->hdr_need) {
        uint8_t b = in[used++];
        p->hdr[p->hdr_len++] = b;
        uint8_t len7 = p->hdr[1] & 0x7F; /* meaningful once hdr_len >= 2 */
        if (p->hdr_len == 1) {
            if (!first_byte_ok(p, b)) return fail_broken(p, err, used);
            p->opcode = b & 0x0F;
            p->fin = b >> 7;
        } else if (p->hdr_len == 2) {
            /* A client frame must be masked (§5.1) and a control payload fits 125 bytes
             * (§5.5). */
            if (!(b & 0x80)) return fail_broken(p, err, used);
            if (ws_op_is_control(p->opcode) && len7 > 125) return fail_broken(p, err, used);
            p->hdr_need = (uint8_t)(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
            if (len7 < 126 && !len_fits(p, len7)) return fail_too_big(p, err, len7, used);
        } else if (len7 == 126 && p->hdr_len == 4) {
            uint64_t len = header_len(p);
            /* §5.2: the minimal number of bytes must be used to encode the length. */
            if (len < 126) return fail_broken(p, err, used);
            if (!len_fits(p, len)) return fail_too_big(p, err, len, used);
        } else if (len7 == 127 && p->hdr_len == 3) {
            if (b & 0x80) return fail_broken(p, err, used); /* 64-bit length, top bit set */
        } else if (len7 == 127 && p->hdr_len == 10) {
            uint64_t len = header_len(p);
            if (len <= 0xFFFF) return fail_broken(p, err, used);
            if (!len_fits(p, len)) return fail_too_big(p, err, len, used);
        }
    }
    if (p->hdr_len < p->hdr_need) return used;

    uint64_t len = header_len(p);
    memcpy(p->mask, p->hdr + p->hdr_need - 4, 4);
    p->mask_pos = 0;
    p->frame_len = len;
    p->remaining = len;
    if (!ws_op_is_control(p->opcode)) p->msg_len += (uint32_t)len; /* fits: len_fits() */
    p->state = len ? WS_P_PAYLOAD : WS_P_FRAME_END;
    return used;
}

size_t ws_parser_payload(ws_parser_t *p, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t k = n;
    if ((uint64_t)k > p->remaining) k = (size_t)p->remaining;
    if (out) {
        uint8_t m = p->mask_pos;
        for (size_t i = 0; i < k; i++) {
            out[i] = in[i] ^ p->mask[m];
            m = (m + 1) & 3;
        }
    }
    p->mask_pos = (uint8_t)((p->mask_pos + k) & 3);
    p->remaining -= k;
    if (p->remaining == 0) p->state = WS_P_FRAME_END;
    return k;
}

void ws_parser_next(ws_parser_t *p)
{
    if (p->opcode == WS_OP_TEXT || p->opcode == WS_OP_BINARY) p->msg_op = p->opcode;
    if (!ws_op_is_control(p->opcode) && p->fin) {
        p->msg_op = 0;
        p->msg_len = 0;
    }
    p->state = WS_P_HEADER;
    p->hdr_len = 0;
    p->hdr_need = 2;
    p->frame_len = 0;
    p->remaining = 0;
}

size_t ws_frame_header(uint8_t *out, uint8_t opcode, bool fin, uint64_t len)
{
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    return 10;
}
