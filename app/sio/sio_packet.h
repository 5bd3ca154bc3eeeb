/* Socket.IO v5 packets, carried in Engine.IO message packets:
 *   <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
 * 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK.
 * This splits a packet into its parts; the JSON is the caller's to parse. Pure code. */
#ifndef EDGE_SIO_PACKET_H
#define EDGE_SIO_PACKET_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SIO_CONNECT = 0,
    SIO_DISCONNECT,
    SIO_EVENT,
    SIO_ACK,
    SIO_CONNECT_ERROR,
    SIO_BINARY_EVENT,
    SIO_BINARY_ACK,
} sio_type_t;

#define SIO_NSP_MAX 64 /* longest namespace name kept (for the CONNECT_ERROR reply) */

typedef struct {
    uint8_t type;         /* sio_type_t */
    uint8_t has_id;       /* an ack id was given */
    uint32_t id;          /* the ack id */
    uint32_t attachments; /* binary packets only */
    const char *nsp;      /* namespace, "/" when absent; not NUL-terminated */
    size_t nsp_len;
    const char *data; /* the JSON payload (may be empty); not NUL-terminated */
    size_t data_len;
} sio_packet_t;

/* 0, or -1 when the packet is malformed (bad type, a binary header without '-', a namespace
 * without its comma before a payload, an ack id over 32 bits). */
int sio_packet_parse(const uint8_t *p, size_t n, sio_packet_t *out);

/* Is the namespace the main one ("/")? */
int sio_nsp_is_main(const sio_packet_t *pk);

#endif
