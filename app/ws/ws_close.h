/* Close frame payloads (RFC 6455 §5.5.1, §7.4): which status codes may appear on the wire and
 * what a received close frame is answered with. */
#ifndef EDGE_WS_CLOSE_H
#define EDGE_WS_CLOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True for the codes a peer may send: 1000-1003, 1007-1011 and 3000-4999. 1004-1006 and
 * 1015 are reserved or never sent, 1012-2999 are not assigned for endpoints, 0-999 and
 * 5000+ are not used. */
bool ws_close_code_valid(uint16_t code);

/* Checks a received close payload. Returns 0 when it is well formed, with *peer_code set to
 * its code (1005 when the payload is empty); else the close code to fail the connection with:
 * 1002 for a 1-byte payload or a code that is not valid, 1007 for a reason that is not
 * UTF-8. */
uint16_t ws_close_check(const uint8_t *p, size_t n, uint16_t *peer_code);

#endif
