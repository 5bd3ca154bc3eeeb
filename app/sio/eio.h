/* Engine.IO v4 on the wire: packets, polling payloads, the handshake query, the open packet
 * and the error bodies the reference server sends. Pure code: no I/O, no allocation.
 *
 * A packet is one type digit and its data: 0 open, 1 close, 2 ping, 3 pong, 4 message,
 * 5 upgrade, 6 noop. Over polling, packets are joined by the record separator 0x1E; over
 * WebSocket each frame is one packet. Binary packets (a 'b' prefix over polling, binary
 * frames over WebSocket) are refused: nothing this device does needs them. */
#ifndef EDGE_EIO_H
#define EDGE_EIO_H

#include <stddef.h>
#include <stdint.h>

#include "app/util/sink.h"

typedef enum {
    EIO_OPEN = '0',
    EIO_CLOSE = '1',
    EIO_PING = '2',
    EIO_PONG = '3',
    EIO_MESSAGE = '4',
    EIO_UPGRADE = '5',
    EIO_NOOP = '6',
} eio_type_t;

#define EIO_SEP 0x1E /* joins packets in a polling payload */

/* Errors of the parsers. */
enum {
    EIO_E_EMPTY = -1,  /* an empty packet (also: two separators in a row) */
    EIO_E_TYPE = -2,   /* not a type digit 0-6 */
    EIO_E_BINARY = -3, /* a binary packet ("b..." over polling) */
    EIO_E_COUNT = -4,  /* more packets than a payload may carry */
};

typedef struct {
    uint8_t type; /* eio_type_t */
    const uint8_t *data;
    size_t len;
} eio_packet_t;

/* One packet (a WebSocket text frame, or one piece of a polling payload). 0 or EIO_E_*. */
int eio_packet_parse(const uint8_t *p, size_t n, eio_packet_t *out);

/* Walks the packets of a polling payload (a POST body). */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
    unsigned count, max; /* packets so far, and the most accepted */
    int done;
} eio_payload_t;

void eio_payload_init(eio_payload_t *it, const uint8_t *p, size_t n, unsigned max_packets);

/* 1 with the next packet in *out, 0 at the end, or EIO_E_* (the payload is malformed, the
 * session must close). An empty payload is EIO_E_EMPTY. */
int eio_payload_next(eio_payload_t *it, eio_packet_t *out);

/* The reference server's error codes, sent as HTTP 400 {"code":N,"message":"..."}. */
typedef enum {
    EIO_ERR_TRANSPORT = 0, /* Transport unknown */
    EIO_ERR_SID = 1,       /* Session ID unknown */
    EIO_ERR_METHOD = 2,    /* Bad handshake method */
    EIO_ERR_BAD = 3,       /* Bad request */
    EIO_ERR_FORBIDDEN = 4, /* Forbidden */
    EIO_ERR_VERSION = 5,   /* Unsupported protocol version */
} eio_err_t;

const char *eio_err_message(eio_err_t e);
/* {"code":N,"message":"..."} */
void eio_render_error(sink_t *s, eio_err_t e);

/* The request line's query, checked the way the reference server checks it. */
typedef enum { EIO_TR_NONE = 0, EIO_TR_POLLING, EIO_TR_WEBSOCKET } eio_transport_t;

#define EIO_SID_LEN 20 /* characters of a session id (120 random bits, base64url) */

typedef struct {
    uint8_t transport; /* eio_transport_t */
    uint8_t has_sid;
    uint8_t err; /* eio_err_t when eio_query_parse failed */
    char sid[EIO_SID_LEN + 1];
} eio_query_t;

#define EIO_QUERY_OK 0xFF

/* Checks EIO=4, transport and sid in a request target ("/socket.io/?EIO=4&..."). Returns 0,
 * or -1 with q->err the error to answer with (an unknown sid is the caller's to find:
 * EIO_ERR_SID when the sid is not even well formed). */
int eio_query_parse(const char *target, eio_query_t *q);

/* The open packet: 0{"sid":...,"upgrades":[...],"pingInterval":..,"pingTimeout":..,
 * "maxPayload":..}. upgrades lists websocket only when the session is on polling. */
void eio_render_open(sink_t *s, const char *sid, int offer_upgrade, uint32_t ping_interval_ms,
                     uint32_t ping_timeout_ms, uint32_t max_payload);

/* A fresh session id from random bytes (15 bytes -> 20 base64url characters). */
void eio_make_sid(const uint8_t rnd[15], char out[EIO_SID_LEN + 1]);

/* Is this a well-formed session id (20 base64url characters)? */
int eio_sid_valid(const char *sid);

#endif
