/* RFC 6455 §5 framing, both directions, with no buffers of its own.
 *
 * Receiving: ws_parser_t reads frame headers byte by byte (input may be split anywhere),
 * checks everything that can be checked from the header alone, as early as the offending
 * byte arrives, and then unmasks the payload into a buffer the caller chooses, piece by
 * piece. It also tracks message sequencing (continuation frames, control frames inside a
 * fragmented message) and the message size limit. UTF-8 and control frame payloads are the
 * connection's business (ws_conn.c).
 *
 * Sending: ws_frame_header() writes a server frame header (never masked, §5.1); the payload
 * follows it as-is, so a frame of any length can be written in pieces. */
#ifndef EDGE_WS_FRAME_H
#define EDGE_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Close codes this layer produces (RFC 6455 §7.4.1). */
enum {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_NO_STATUS = 1005, /* never on the wire: a close frame without a code */
    WS_CLOSE_ABNORMAL = 1006,  /* never on the wire: TCP went away without a close */
    WS_CLOSE_BAD_DATA = 1007,  /* invalid UTF-8 in a text message or close reason */
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL = 1011,
};

#define WS_HDR_MAX 10 /* largest server frame header: 2 + 8-byte length, no mask */

static inline bool ws_op_is_control(uint8_t op)
{
    return (op & 0x8) != 0;
}

typedef enum {
    WS_P_HEADER = 0, /* reading a frame header */
    WS_P_PAYLOAD,    /* header done; payload bytes remain */
    WS_P_FRAME_END,  /* the whole frame has been read; call ws_parser_next() */
    WS_P_BROKEN,     /* a header error left the stream without frame boundaries */
} ws_parser_state_t;

typedef struct {
    uint64_t remaining; /* payload bytes of the current frame still to come */
    uint64_t frame_len; /* payload length of the current frame */
    uint32_t msg_max;   /* limit on a data message's total payload */
    uint32_t msg_len;   /* payload of the current data message so far, headers included */
    uint8_t state;      /* ws_parser_state_t */
    uint8_t opcode;     /* of the current frame */
    uint8_t fin;        /* of the current frame */
    uint8_t msg_op;     /* WS_OP_TEXT/BINARY while a fragmented message is open, else 0 */
    uint8_t hdr_len;    /* header bytes read so far */
    uint8_t hdr_need;   /* header bytes this frame has (2 until the length byte is read) */
    uint8_t mask_pos;   /* payload offset modulo 4 */
    uint8_t mask[4];
    uint8_t hdr[14];
} ws_parser_t;

void ws_parser_init(ws_parser_t *p, uint32_t msg_max);

/* Opcode given to a frame refused for its size while its remaining bytes are skipped. */
#define WS_P_SKIP_OP 0xF

/* In WS_P_HEADER: consumes header bytes and returns how many. On a violation *err is set to
 * the close code to send and the bytes up to and including the offending one are consumed:
 * - 1009 (too big): the frame's length is known, so the parser goes on to skip the rest of
 *   it (state WS_P_PAYLOAD, opcode WS_P_SKIP_OP; pass out == NULL) and then reads the next
 *   frame header, so that the peer's answer to our close can still be seen;
 * - 1002 (protocol error): the state is WS_P_BROKEN and stays so; discard what follows.
 * With no error and a complete header the state is WS_P_PAYLOAD, or WS_P_FRAME_END for an
 * empty payload. Every check is made at the first byte that decides it. */
size_t ws_parser_header(ws_parser_t *p, const uint8_t *in, size_t n, uint16_t *err);

/* In WS_P_PAYLOAD: takes up to n payload bytes (never past the frame's end), unmasks them
 * into out (out == NULL skips them) and returns how many; out may not alias in. When the
 * frame is complete the state becomes WS_P_FRAME_END. */
size_t ws_parser_payload(ws_parser_t *p, const uint8_t *in, size_t n, uint8_t *out);

/* In WS_P_FRAME_END: closes the frame (a data frame with FIN ends its message) and goes back
 * to WS_P_HEADER. */
void ws_parser_next(ws_parser_t *p);

/* Opcode of the data message the current frame belongs to (TEXT/BINARY), for data frames. */
static inline uint8_t ws_parser_msg_op(const ws_parser_t *p)
{
    return p->opcode == WS_OP_CONT ? p->msg_op : p->opcode;
}

/* Writes the header of an unmasked frame with this opcode, FIN bit and payload length into
 * out (WS_HDR_MAX bytes) and returns its size (2, 4 or 10). */
size_t ws_frame_header(uint8_t *out, uint8_t opcode, bool fin, uint64_t len);

/* Header size for a payload of len bytes. */
static inline size_t ws_frame_header_len(uint64_t len)
{
    return len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
}

#endif
