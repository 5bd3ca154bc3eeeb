/* The server side of the opening handshake (RFC 6455 §4.2): decide from a parsed HTTP request
 * whether to switch to WebSocket, and format the answer (101, or a JSON error). Pure code. */
#ifndef EDGE_WS_HANDSHAKE_H
#define EDGE_WS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/http_parser.h"

/* What an endpoint accepts. Both lists may be empty. */
typedef struct {
    const char *const *origins; /* allowed Origin values (ASCII case-insensitive); with
                                   n_origins == 0 any origin is allowed. A request without
                                   Origin (not a browser) is allowed either way: only
                                   browsers send it, and only browsers need the check. */
    size_t n_origins;
    const char *const *protocols; /* subprotocols we speak, preferred first */
    size_t n_protocols;
} ws_handshake_policy_t;

#define WS_ACCEPT_LEN 28 /* base64 of a 20-byte SHA-1 */

typedef struct {
    uint16_t status;      /* 101, or 400 (bad request), 403 (origin), 405 (not GET),
                             426 (version is not 13) */
    const char *error;    /* why, when status != 101: a static string */
    const char *protocol; /* chosen subprotocol (from policy->protocols), or NULL */
    char accept[WS_ACCEPT_LEN + 1];
} ws_handshake_t;

/* Checks req against RFC 6455 §4.2.1 and pol; fills out and returns out->status.
 * The subprotocol chosen is the first of pol->protocols that the client offered; none is
 * chosen (and the handshake still succeeds) when the client offered none of ours. */
uint16_t ws_handshake_check(const http_request_t *req, const ws_handshake_policy_t *pol,
                            ws_handshake_t *out);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)). Returns 0, or -1
 * when the key is not the base64 form of 16 bytes. */
int ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1]);

/* Formats the response for hs into buf: "101 Switching Protocols" with the accept value and
 * subprotocol, or the error status with Connection: close and a JSON body
 * {"error":{"code":...,"message":...}} (426 also carries Sec-WebSocket-Version: 13).
 * Returns its length, or 0 when cap is too small (256 bytes always suffice). */
size_t ws_handshake_response(const ws_handshake_t *hs, char *buf, size_t cap);

#endif
