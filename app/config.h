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

/* Each connection's protocol state (the HTTP parser, or a WebSocket, SSE or other
 * long-lived protocol's state in its place): 1 KB x MAX_CONNS (32) = 32 KB, the largest part
 * of a connection. The largest user is the HTTP parser (~0.8 KB, most of it the request
 * target and the headers kept); each protocol asserts that it fits. */
#ifndef CONN_STATE_SIZE
#define CONN_STATE_SIZE 1024
#endif

/* Listening ports (HTTP on 80, and HTTPS on 443 when TLS is built in): a few bytes each. */
#define CONN_LISTENERS 2

/* Request bodies, response tails that TCP could not take at once, and output lwIP refused
 * (spills) borrow pool slots, not a buffer per connection: 4 x 4 KB = 16 KB. A body that
 * finds every slot busy waits (TCP back-pressure). */
#define CONN_SLOTS     4
#define CONN_SLOT_SIZE 4096

/* Writes are gathered in one staging buffer shared by every connection and handed to lwIP
 * as one copy per batch: one MSS, 1460 B. */
#define CONN_STAGE_SIZE 1460

/* The send budget (conn_space) keeps this much of lwIP's heap free for ARP queueing and
 * fragmentation slack, and counts this much overhead per pbuf (headers, struct pbuf, heap
 * bookkeeping). No RAM. */
#define CONN_HEAP_RESERVE  1024
#define CONN_PBUF_OVERHEAD 160

/* The answer formatted for a connection refused because the table is full (one static
 * buffer): 256 B. */
#define CONN_REFUSAL_MAX 256

/* TLS sessions at once (mbedTLS heap in port/, ~36 KB each). */
#ifndef MAX_TLS
#define MAX_TLS 2
#endif

/* ---- HTTP ------------------------------------------------------------------------- */

/* Request line plus all header lines. Larger requests get 431. Headers are parsed as
 * they stream in and only the ones we use are kept, so this costs no buffer. */
#define HTTP_HEADER_MAX 2048

/* Request target (path and query), kept per connection: 256 B x MAX_CONNS = 8 KB. */
#define HTTP_TARGET_MAX 256

/* Largest request body (Content-Length). Larger gets 413. Bodies are read into the
 * connections' pool slots (CONN_SLOTS above), so this costs no RAM of its own. */
#define HTTP_BODY_MAX 4096

/* A response head (status line and headers), formatted on the stack: 384 B. */
#define HTTP_HEAD_MAX 384

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

/* POST /api/warmup waits for its one-step job this long at most (the queue may be full of
 * long jobs), then answers 503. No RAM. */
#define WARMUP_TIMEOUT_MS 60000

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

/* The fan-out renders events into one shared window of this size and hands it to the
 * transport: 1 KB. Larger windows mean fewer render passes over a large event (a PNG). */
#define SUBS_WINDOW 1024

/* Fan-out latency histograms (app/jobs/fanout.c, GET /api/debug/fanout): per transport
 * (WebSocket, SSE, one more) five histograms of 128 16-bit buckets (handed, deliver,
 * last_handed, last, skew) and FANOUT_OPEN events in flight of 28 B: 1.45 KB per transport,
 * 4.4 KB in all. */
#ifndef FANOUT_TRANSPORTS
#define FANOUT_TRANSPORTS 3
#endif
#define FANOUT_OPEN 4

/* Server-Sent Events comment heartbeat. */
#define SSE_HEARTBEAT_MS 15000

/* ---- Logging ---------------------------------------------------------------------- */

/* One formatted log line (static buffer, shared). */
#define LOG_LINE_MAX 256

#endif
