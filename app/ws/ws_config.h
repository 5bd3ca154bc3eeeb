/* WebSocket capacities, each with its RAM cost. These belong in app/config.h; they live here
 * until the lead moves them, and every value can be overridden by a board (-D or the board
 * config header) because each is guarded by #ifndef. */
#ifndef EDGE_WS_CONFIG_H
#define EDGE_WS_CONFIG_H

/* Receive buffer inside each ws_conn_t. A data message whose payload fits is delivered
 * whole (one callback, already unmasked and UTF-8 checked); a larger one is delivered in
 * chunks of at most this size (begin/data/end flags), so no connection ever holds a whole
 * large message. 512 B x MAX_CONNS (32) = 16 KB. */
#ifndef WS_RX_BUF
#define WS_RX_BUF 512
#endif

/* Largest data message accepted (sum of its fragments' payloads). One byte more is refused
 * with close code 1009. Costs no RAM: large messages are streamed, never stored. */
#ifndef WS_MSG_MAX
#define WS_MSG_MAX 65536u
#endif

/* Control frame payloads (ping, pong, close) are at most 125 bytes by RFC 6455 §5.5; each
 * connection keeps one so that a pong can echo its ping and a close reason can be checked
 * whole: 125 B x MAX_CONNS (32) = 4 KB. Not configurable. */
#define WS_CTRL_MAX 125

/* Keep-alive: a server ping is sent after this long without any byte from the peer
 * (0 disables it). No RAM. */
#ifndef WS_PING_INTERVAL_MS
#define WS_PING_INTERVAL_MS 20000u
#endif

/* Dead peer: a connection that delivered no byte for this long is cut off (TCP closed,
 * close code 1006 to the upper layer). Must exceed WS_PING_INTERVAL_MS by at least a round
 * trip so that a live peer has time to answer the ping. 0 disables it. No RAM. */
#ifndef WS_PEER_TIMEOUT_MS
#define WS_PEER_TIMEOUT_MS 60000u
#endif

/* After we send a close frame, the peer has this long to answer with its own close before
 * the TCP connection is closed anyway (RFC 6455 §7.1.1). No RAM. */
#ifndef WS_CLOSE_TIMEOUT_MS
#define WS_CLOSE_TIMEOUT_MS 3000u
#endif

#endif
