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
