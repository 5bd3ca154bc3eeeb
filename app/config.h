/* Every compile-time capacity of the firmware, with what it costs in RAM.
 * A board may lower a value by defining it before this header is included
 * (board/<name>/board_config.h is passed with -include). `make size` prints the totals. */
#ifndef EDGE_CONFIG_H
#define EDGE_CONFIG_H

#if defined(EDGE_BOARD_CONFIG)
#include EDGE_BOARD_CONFIG
#endif

/* ---- Connections ------------------------------------------------------------------ */

/* Simultaneous TCP connections served (HTTP, WebSocket, SSE, Socket.IO). Each costs one
 * conn_t (~0.7 KB, see app/http/conn.h) plus lwIP's TCP PCB (~0.2 KB). One more PCB is
 * kept so that the connection past the limit can be answered with 503 and closed. */
#ifndef MAX_CONNS
#define MAX_CONNS 32
#endif

/* ---- TLS (port/altcp_tls3.c) ------------------------------------------------------ */

/* TLS sessions at once. Each holds an mbedTLS context (~0.7 KB, static) and, in the TLS
 * heap, its 16 KB input and 4 KB output record buffers with their transforms; during the
 * handshake a few KB more (transcript, ECDHE and PSA keys). More TLS connections wait
 * for one (TLS_CONNS); plain HTTP is not affected. */
#ifndef MAX_TLS
#define MAX_TLS 2
#endif
/* The static heap mbedTLS allocates from: per session ~21 KB open (16.7 KB input and 2.3 KB
 * output buffers, transforms) and up to ~31 KB while its handshake and first ticket are in
 * flight (measured: 3 sessions with 2 handshakes peaked at 94.4 KB), plus what is shared
 * (the parsed certificate and key, ticket keys: 1.4 KB). 2 sessions: 68 KB. */
#ifndef TLS_HEAP_SIZE
#define TLS_HEAP_SIZE (MAX_TLS * 32 * 1024 + 4 * 1024)
#endif
/* TLS connections accepted at once: MAX_TLS with a session, the others waiting for one
 * (a browser opens 6 at once). A waiting one holds only its TCP PCB and a slot here
 * (sess_t, ~0.7 KB with its idle mbedTLS context). Past it, TLS connections are closed. */
#ifndef TLS_CONNS
#define TLS_CONNS (MAX_TLS + 8)
#endif
/* Handshakes running at once (each one's public-key work is the loop's longest step); more
 * accepted connections wait, holding their ClientHello in TCP. */
#ifndef TLS_HANDSHAKES_MAX
#define TLS_HANDSHAKES_MAX 2
#endif
/* Handshake states run back to back only while a pass has spent less than this on them;
 * the next state waits for the next pass (each ECC operation is one state). */
#define TLS_STEP_BUDGET_US 2000u
/* A handshake not finished this long after accept is dropped (and counted). */
#define TLS_HANDSHAKE_TIMEOUT_MS 10000u
/* Session tickets are valid, and their key rotates, after this long. */
#define TLS_TICKET_LIFETIME_S 86400u
/* Decrypted bytes the application may hold unread before no more is decrypted: the TLS
 * counterpart of the TCP window (2 x MSS, from lwIP's heap). */
#define TLS_RX_HOLD 2920u
/* A board setting: plain HTTP redirects to HTTPS (308). Off by default; the host board
 * also has --redirect-https. */
#ifndef HTTP_REDIRECT_HTTPS
#define HTTP_REDIRECT_HTTPS 0
#endif
/* The HTTPS listener's port. */
#ifndef HTTPS_PORT
#define HTTPS_PORT 443
#endif

/* ---- HTTP ------------------------------------------------------------------------- */

/* Request line plus all header lines. Larger requests get 431. Headers are parsed as
 * they stream in and only the ones we use are kept, so this costs no buffer. */
#define HTTP_HEADER_MAX 2048

/* Request target (path and query), kept per connection: 256 B x MAX_CONNS = 8 KB. */
#define HTTP_TARGET_MAX 256

/* Largest request body (Content-Length). Larger gets 413. */
#define HTTP_BODY_MAX 4096

/* Request bodies are read into a small shared pool, not one buffer per connection:
 * 4 x 4 KB = 16 KB. A body that finds the pool empty waits (TCP back-pressure). */
#define HTTP_BODY_BUFS 4

/* A request must be complete (headers and body) this long after its first byte, else 408. */
#define HTTP_REQUEST_TIMEOUT_MS 5000

/* A keep-alive connection with no request in flight is closed after this long. */
#define HTTP_IDLE_TIMEOUT_MS 30000

/* A complete request is answered once TCP can take this much of the answer at once; until
 * then it waits (the shared send heap frees as peers acknowledge). */
#define HTTP_REPLY_MIN_SPACE 1024

/* Receive-pool frames that waiting input may never take: the frames that carry ACKs and
 * new requests must always find a pbuf, or no connection could make progress. */
#define RX_POOL_RESERVE 4

/* After our FIN, how long a connection may keep its slot waiting for the peer's FIN. */
#define CONN_LINGER_MS 2000

/* One shared buffer formats a response (JSON documents, a PNG) at a time: 4 KB. */
#define HTTP_SCRATCH_SIZE 4096

/* ---- WebSocket --------------------------------------------------------------------- */

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

/* ---- Generator --------------------------------------------------------------------- */

/* Multiply-accumulates per gen_slice() call. Work is cut into units of at most
 * GEN_UNIT_MAX_MACS (4 output channels of one output row, or one neuron of the condition
 * MLP), so a slice does between budget - unit and budget MACs. Cost per slice: on the host
 * (x86-64, SSE2 pmaddwd kernel, 8.7 G MAC/s by bench/gen_bench.sh) 131072 MACs take about
 * 15 us (the longest slice, with a step boundary's sampler update, ~0.2 ms), far inside the
 * superloop's 5 ms pass; on a Cortex-M4 (SMLAD, ~1.5 cycles per MAC with the loads) about
 * 2 ms at 100 MHz, ~8 ms in QEMU at a nominal 25 MHz (a board lowers it there). One forward
 * (17.7 M MACs) is ~135 slices, a guided step ~270. */
#ifndef GEN_SLICE_BUDGET
#define GEN_SLICE_BUDGET 131072u
#endif

/* ---- Jobs and events -------------------------------------------------------------- */

/* Jobs accepted and not finished: the running one plus those waiting. One more gets 503.
 * Each job record is ~1.6 KB (request 0.5 KB, event ring 1 KB). */
#ifndef MAX_JOBS_QUEUED
#define MAX_JOBS_QUEUED 4
#endif

/* Finished jobs whose state, events and images stay available for late subscribers. */
#ifndef JOBS_KEPT
#define JOBS_KEPT 6
#endif

/* Events each job keeps for replay (16 B each): queued, started, one per step, the final
 * event. A 20-step job needs 23; a subscriber asking for older events than the ring still
 * holds gets events_dropped. */
#ifndef EVENTS_PER_JOB
#define EVENTS_PER_JOB 64
#endif

/* Finished images kept, 32x32 RGB (3 KB each): 11 x 3 KB = 33 KB. A job takes num_images
 * slots when it starts; the oldest finished jobs give theirs up first. */
#ifndef JOB_IMAGE_SLOTS
#define JOB_IMAGE_SLOTS 11
#endif

/* Subscriptions (a connection following a job's events), all transports together:
 * ~40 B each. */
#ifndef MAX_SUBS
#define MAX_SUBS 64
#endif

/* Server-Sent Events comment heartbeat. */
#define SSE_HEARTBEAT_MS 15000

/* ---- Logging ---------------------------------------------------------------------- */

/* One formatted log line (static buffer, shared). */
#define LOG_LINE_MAX 256

#endif
