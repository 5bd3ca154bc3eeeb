/* GET /ws/test: the WebSocket echo endpoint, on top of ws_conn.
 *
 * On open it sends {"type":"connected","message":"WebSocket test endpoint ready"}.
 * A text message comes back as {"type":"echo","data":X}:
 *   - a message that arrives whole (payload <= WS_RX_BUF) and is one valid JSON text is
 *     embedded as it is (X is the parsed value);
 *   - any other text is embedded as a JSON string. A message larger than WS_RX_BUF arrives
 *     in pieces and is never stored whole, so it is always echoed as a string (even if it
 *     is JSON), streamed out as a fragmented text message as its pieces arrive.
 * A binary message comes back as the same bytes, streamed as a fragmented binary message as
 * they arrive (a small one goes back in a single frame).
 * The echo keeps no state beyond two bits in ws_conn_t.app; when the peer's window is full
 * it leaves the input waiting (WS_BUSY), which stops reading from TCP. */
#ifndef EDGE_WS_ECHO_H
#define EDGE_WS_ECHO_H

#include "app/ws/ws_conn.h"

extern const ws_handler_t ws_echo_handler;

#endif
