/* Every compile-time capacity of the firmware, with what it costs in RAM. A board may lower
 * a value guarded by #ifndef: its board.mk adds
 * -DEDGE_BOARD_CONFIG='"board/<name>/board_config.h"' to BOARD_DEFS, and that header is
 * included first (no board does today). Values without a guard are fixed by a protocol or
 * by the model. `make size` prints the totals. Capacities of lwIP itself (pools, heap,
 * windows) are in port/lwipopts.h. Limits that depend on each other are checked at the end. */
#ifndef EDGE_CONFIG_H
#define EDGE_CONFIG_H

#if defined(EDGE_BOARD_CONFIG)
#include EDGE_BOARD_CONFIG
#endif

/* ---- Connections ------------------------------------------------------------------ */

/* Simultaneous TCP connections served (HTTP, WebSocket, SSE). Each costs one conn_t
 * (app/net/conn_internal.h: 1064 B on the Cortex-M4, most of it CONN_STATE_SIZE below for
 * the HTTP parser or a protocol's state) plus lwIP's TCP PCB (164 B) and altcp wrapper (44 B).
 * Spare PCBs (MEMP_NUM_TCP_PCB in port/lwipopts.h) let the connection past the limit be answered
 * with 503 and closed. */
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

/* Half-open TCP connections (SYN received, handshake not complete) kept per listener, as
 * many as lwIP's backlog so that a burst of real clients is never cut; a new SYN past this,
 * or one that finds the PCB pool used up, removes the oldest (app/net/syn_guard.h). The pool
 * has TCP_PCB_SPARE PCBs beyond MAX_CONNS (port/lwipopts.h): with the table full, a flood
 * cycles through those. No RAM of its own. */
#ifndef SYN_HALF_OPEN_MAX
#define SYN_HALF_OPEN_MAX MAX_CONNS
#endif
#ifndef TCP_PCB_SPARE
#define TCP_PCB_SPARE 8
#endif

/* Planned, not built: TLS sessions at once. Nothing uses it yet (LWIP_ALTCP_TLS is 0 in
 * port/lwipopts.h and mbedTLS is built for SHA-1, base64 and CTR-DRBG only). When HTTPS and
 * WSS land it will size mbedTLS's static heap in port/ (memory_buffer_alloc, ~36 KB a
 * session: the 80 KB TLS budget of docs/design.md for 2). */
#ifndef MAX_TLS
#define MAX_TLS 2
#endif

/* ---- HTTP ------------------------------------------------------------------------- */

/* Request line plus all header lines. Larger requests get 431. Headers are parsed as
 * they stream in and only the ones we use are kept, so this costs no buffer. */
#define HTTP_HEADER_MAX 2048

/* Request target (path and query), kept per connection: 256 B x MAX_CONNS = 8 KB. */
#define HTTP_TARGET_MAX 256

/* Header values the parser keeps, per connection (http_request_t, inside conn_t): a longer
 * value is cut to fit, except where its exact value matters (app/http/http_parser.h).
 * 64 + 64 + 128 + 64 + 24 + 64 = 408 B x MAX_CONNS = 13 KB. Sec-WebSocket-Key and -Version
 * have fixed sizes of their own (RFC 6455). */
#define HTTP_HOST_MAX          64  /* Host */
#define HTTP_CONTENT_TYPE_MAX  64  /* Content-Type */
#define HTTP_ORIGIN_MAX        128 /* Origin */
#define HTTP_WS_PROTOCOL_MAX   64  /* Sec-WebSocket-Protocol, as offered */
#define HTTP_LAST_EVENT_ID_MAX 24  /* Last-Event-ID: a uint32 with room for white space */
#define HTTP_ACCEPT_MAX        64  /* Accept: only its start is used */
/* Accept-Encoding and If-None-Match, for static assets: 48 + 48 = 96 B x MAX_CONNS = 3 KB. */
#define HTTP_ACCEPT_ENCODING_MAX 48
#define HTTP_IF_NONE_MATCH_MAX   48

/* Largest request body (Content-Length). Larger gets 413. Bodies are read into the
 * connections' pool slots (CONN_SLOTS above), so this costs no RAM of its own. */
#define HTTP_BODY_MAX 4096

/* A response head (status line and headers), formatted on the stack: 384 B. */
#define HTTP_HEAD_MAX 384

/* A request must be complete (headers and body) this long after its first byte, else 408. */
#define HTTP_REQUEST_TIMEOUT_MS 5000

/* A keep-alive connection with no request in flight is closed after this long. */
#define HTTP_IDLE_TIMEOUT_MS 30000

/* Under pressure (fewer than a quarter of the connection slots free, conn_pressure()), the
 * same two limits are shortened, so that silent and trickling peers free their slots fast;
 * a full table also gives the longest-waiting one up to each new connection. No RAM. */
#define HTTP_REQUEST_TIMEOUT_PRESSURE_MS 2000
#define HTTP_IDLE_TIMEOUT_PRESSURE_MS    1000

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

/* One shared buffer formats a response (JSON documents, a PNG) at a time: 4 KB. It must
 * hold a whole PNG (GEN_PNG_MAX, checked in app/api/jobs_api.c). */
#define HTTP_SCRATCH_SIZE 4096

/* ---- WebSocket --------------------------------------------------------------------- */

/* Receive buffer inside each ws_conn_t. A data message whose payload fits is delivered
 * whole (one callback, already unmasked and UTF-8 checked); a larger one is delivered in
 * chunks of at most this size (begin/data/end flags), so no connection ever holds a whole
 * large message. It lives in ws_conn_t, inside the connection's CONN_STATE_SIZE
 * (app/net/conn.h; app/stream/ws_endpoint.c checks that it fits), so it costs no RAM beyond
 * conn_t: raising it past ~800 B needs a larger CONN_STATE_SIZE, i.e. 32 x that growth. */
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
 * whole (in ws_conn_t, inside CONN_STATE_SIZE like WS_RX_BUF). Not configurable. */
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

/* Replies of the /ws JSON protocol (errors, pong, unsubscribed) are formatted into one
 * shared buffer and sent whole; the longest (an error naming a field) is about 200 B. 384 B.
 * Events are not built here: they are rendered into the TCP window as it opens. */
#define WS_API_REPLY_MAX 384

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

/* ---- Requests ---------------------------------------------------------------------- */

/* Bytes of a prompt or negative prompt, NUL included; a longer one is refused with 400
 * ("at most 255 bytes", app/api/gen_request.c). Each job record keeps both:
 * 2 x 256 B x (MAX_JOBS_QUEUED + JOBS_KEPT) = 5 KB. Fixed: the API documents it. */
#define GEN_PROMPT_MAX 256

/* Unknown words of a prompt reported back in ignored_words, and the bytes kept of each (NUL
 * included; longer words are cut). A parse (gen_parse_t) holds 8 x 24 = 192 B; it lives on
 * the stack or in the generator's state, not per job. */
#define GEN_IGNORED_MAX 8
#define GEN_WORD_MAX    24

/* Images one request may ask for (num_images 1..4) and so one job holds (an image slot
 * index each in job_t). Every image a job asks for must find a slot: <= JOB_IMAGE_SLOTS. */
#ifndef JOB_IMAGES_MAX
#define JOB_IMAGES_MAX 4
#endif

/* An encoded image: PNG of a 32x32 RGB image in stored deflate blocks (3172 B, bound
 * GEN_PNG_MAX = 3232 B in app/gen/gen.h). One static buffer of this size holds the PNG that
 * previews and results are base64-encoded from when events are rendered; GET /api/images
 * encodes into the HTTP scratch buffer instead. 3.2 KB. */
#define PNG_BUF_MAX 3232

/* ---- Jobs and events -------------------------------------------------------------- */

/* Jobs accepted and not finished: the running one plus those waiting. One more gets 503.
 * Each job record (job_t) is 1640 B: the request with its two prompts 0.5 KB, the event
 * ring 1 KB. */
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
 * ~56 B each (with the event in progress kept, 16 B). */
#ifndef MAX_SUBS
#define MAX_SUBS 64
#endif

/* The fan-out renders events into one shared window of this size and hands it to the
 * transport: 1 KB. Larger windows mean fewer render passes over a large event (a PNG). */
#define SUBS_WINDOW 1024

/* Server-Sent Events comment heartbeat. No RAM. */
#define SSE_HEARTBEAT_MS 15000

/* ---- Logging ---------------------------------------------------------------------- */

/* One formatted log line (static buffer, shared). */
#define LOG_LINE_MAX 256

/* Rate limit: at most LOG_BURST lines from one call site per LOG_WINDOW_MS, the rest summed
 * up in one line. LOG_SITES call sites are tracked at once (16 B each on a Cortex-M4: 128 B). At
 * 115200 baud a UART carries ~100 lines/s; the 18 call sites at 5 lines/s each stay inside it. */
#define LOG_BURST     5
#define LOG_WINDOW_MS 1000u
#define LOG_SITES     8

/* ---- Limits that depend on each other ----------------------------------------------- */

_Static_assert(JOB_IMAGES_MAX >= 1 && JOB_IMAGES_MAX <= JOB_IMAGE_SLOTS,
               "a job's images must all find an image slot (JOB_IMAGES_MAX <= JOB_IMAGE_SLOTS)");
_Static_assert(JOB_IMAGE_SLOTS <= 127 && MAX_JOBS_QUEUED + JOBS_KEPT <= 127,
               "image slots and job indices are kept in int8_t");
_Static_assert(MAX_JOBS_QUEUED >= 1 && JOBS_KEPT >= 1, "at least one job runs and one is kept");
_Static_assert(EVENTS_PER_JOB >= 4, "a job's ring holds at least queued, started, one "
                                    "progress and the final event");
_Static_assert(HTTP_TARGET_MAX <= HTTP_HEADER_MAX, "the request line is part of the header limit");
_Static_assert(WS_RX_BUF >= 125 && WS_RX_BUF <= 65535,
               "ws_conn_t counts rx_buf in uint16_t; /ws messages need room to be useful");
_Static_assert(WS_PING_INTERVAL_MS == 0 || WS_PEER_TIMEOUT_MS == 0 ||
                   WS_PEER_TIMEOUT_MS > WS_PING_INTERVAL_MS,
               "a live peer needs time to answer the keep-alive ping");
_Static_assert(GEN_PROMPT_MAX >= 2 && GEN_WORD_MAX >= 2, "room for a character and the NUL");

#endif
