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

/* ---- TLS (port/altcp_tls3.c) ------------------------------------------------------ */

/* TLS sessions at once. Each holds an mbedTLS context (~0.7 KB, static) and, in the TLS
 * heap, its 16 KB input and 4 KB output record buffers with their transforms; during the
 * handshake a few KB more (transcript, ECDHE and PSA keys). More TLS connections wait
 * for one (TLS_CONNS); plain HTTP is not affected. */
#ifndef MAX_TLS
#define MAX_TLS 2
#endif
/* The static heap mbedTLS allocates from, in arenas (port/tls_arena.h): one shared (the
 * parsed certificate and key, ticket keys: 1.5 KB in use) and one per session, so that
 * sessions coming and going cannot tear the heap under a long-lived one. A session holds
 * ~20 KB open (16.7 KB input and 2.3 KB output buffers, transforms) and at most 24.0 KB
 * during a full TLS 1.2 or 1.3 handshake (tests/e2e/tls.mjs: health's tls.heap.session_peak);
 * 28 KB leaves it 4 KB, and a session's small overflow falls back to the shared arena.
 * 2 sessions: 60 KB. */
#ifndef TLS_HEAP_SIZE
#define TLS_HEAP_SIZE (MAX_TLS * 28 * 1024 + TLS_HEAP_SHARED)
#endif
#define TLS_HEAP_SHARED (4 * 1024)
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
/* A handshake not finished this long after it got its session is dropped (and counted). */
#define TLS_HANDSHAKE_TIMEOUT_MS 10000u
/* A connection that waits this long for a session (all MAX_TLS held by streams, WSS or
 * requests under way; idle ones give theirs up after HTTP_IDLE_TIMEOUT_TLS_MS) is dropped. */
#define TLS_WAIT_TIMEOUT_MS 30000u
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

/* A keep-alive HTTPS connection holds one of the MAX_TLS (2) sessions while it idles, and a
 * browser keeps a few open after a page and opens some ahead of need: once its handshake is
 * done, or after an answer, one is closed after this long without a request, so that the
 * next TLS client (the page's own wss) gets a session. One still waiting for its session
 * keeps HTTP_IDLE_TIMEOUT_MS (and TLS_WAIT_TIMEOUT_MS). A returning client resumes with its
 * ticket. No RAM. */
#define HTTP_IDLE_TIMEOUT_TLS_MS 2000

/* A complete request is answered once TCP can take this much of the answer at once; until
 * then it waits (the shared send heap frees as peers acknowledge). What does not fit waits
 * in one of the CONN_SLOTS pool slots, and with many clients at once there are more answers
 * than slots: 2 KB takes /api/health (~1.9 KB with its head) whole, so that 20 concurrent
 * health checks wait their turn instead of finding no slot and being closed. */
#define HTTP_REPLY_MIN_SPACE 2048
/* Over TLS the send room is one record (MBEDTLS_SSL_OUT_CONTENT_LEN, 2 KB, less its
 * expansion), so it never reaches HTTP_REPLY_MIN_SPACE: a TLS request waits for this much
 * instead. There are only MAX_TLS sessions, so few answers can want a slot at once. */
#define HTTP_REPLY_MIN_SPACE_TLS 1024

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

/* ---- Socket.IO (Engine.IO v4, app/sio/) -------------------------------------------- */

/* Socket.IO sessions at once, connected or waiting to be recovered: as many as there are
 * connections, since a polling session holds no connection slot between requests. Each is
 * one sio_session_t (484 B on the Cortex-M4: the Engine.IO state and its packet queue, ids,
 * the jobs it follows): 32 x 484 B = 15.5 KB. One more handshake is refused (HTTP 503,
 * counted in /api/health). */
#ifndef MAX_SIO_SESSIONS
#define MAX_SIO_SESSIONS 32
#endif

/* Engine.IO packets waiting for a session's transport (control packets, Socket.IO replies,
 * acks, validation errors; job events are not queued, they are rendered from the job log):
 * the longest validation error and its ack fit together (about 240 B); a client that lets
 * more pile up without reading is closed. 256 B x MAX_SIO_SESSIONS (32) = 8 KB. */
#ifndef EIO_TXQ_SIZE
#define EIO_TXQ_SIZE 256
#endif

/* Server ping period and the client's pong deadline, advertised in the open packet (the
 * reference server's defaults). No RAM. */
#ifndef SIO_PING_INTERVAL_MS
#define SIO_PING_INTERVAL_MS 25000u
#endif
#ifndef SIO_PING_TIMEOUT_MS
#define SIO_PING_TIMEOUT_MS 20000u
#endif

/* A WebSocket probe must complete the upgrade ("5") this long after it connected. */
#ifndef SIO_UPGRADE_TIMEOUT_MS
#define SIO_UPGRADE_TIMEOUT_MS 10000u
#endif

/* Largest Engine.IO payload (maxPayload): a polling POST body is an HTTP body, so this is
 * HTTP_BODY_MAX. A WebSocket message larger than WS_RX_BUF is assembled in one shared
 * buffer of this size (4 KB; others wait for it through TCP back-pressure). */
#define SIO_MAX_PAYLOAD HTTP_BODY_MAX

/* A polling response is assembled in one shared buffer before it is handed to HTTP: big
 * enough for an image_ready with its PNG data URL. 6 KB. */
#ifndef SIO_POLL_BUF
#define SIO_POLL_BUF 6144
#endif

/* Connection-state recovery: a session whose transport dropped keeps its id and its place
 * in the jobs it follows this long, for a client that reconnects with its pid. No RAM
 * beyond the session's slot. */
#ifndef SIO_RECOVERY_MS
#define SIO_RECOVERY_MS 120000u
#endif

/* Jobs one Socket.IO session follows at once (generate_image, job:subscribe): 4 B each. */
#ifndef SIO_SUBS_PER_SESSION
#define SIO_SUBS_PER_SESSION 4
#endif

/* Origins allowed to poll from another page (CORS). NULL: any origin, "null" included
 * (pages opened from a file); a board may set a comma-separated list instead. No RAM. */
#ifndef SIO_CORS_ORIGINS
#define SIO_CORS_ORIGINS NULL
#endif

/* ---- Generator --------------------------------------------------------------------- */

/* Multiply-accumulates per gen_slice() call. Work is cut into units of at most
 * GEN_UNIT_MAX_MACS (4 output channels of one output row, or one neuron of the condition
 * MLP), so a slice does between budget - unit and budget MACs. Cost per slice: on the host
 * (x86-64, SSE2 pmaddwd kernel, 15-16 G MAC/s by bench/gen_bench.sh) 131072 MACs take about
 * 9 us; the longest slice measured, with a step boundary's sampler update, is 60-83 us
 * (README), far inside the superloop's 5 ms pass. On a Cortex-M4 (SMLAD, ~1.5 cycles per
 * MAC with the loads) about 2 ms at 100 MHz, ~8 ms in QEMU at a nominal 25 MHz (a board
 * lowers it there). One forward (18.0 M MACs) is ~137 slices, a guided step ~275. */
#ifndef GEN_SLICE_BUDGET
#define GEN_SLICE_BUDGET 131072u
#endif

/* 1: the generator adds up the board time (board_now_ns) spent in each of its kernels (3x3
 * stride-1 and stride-2 convolution, 1x1, band building, weight packing, epilogue, condition
 * MLP, sampler) and their MACs, for the last image: GET /api/debug/gen_profile. Under QEMU
 * with -icount shift=0 a nanosecond is an instruction (bench/m4_bench.sh). Cost: 216 B of
 * RAM and a few clock reads per unit of work (2 K to 37 K MACs): ~1.5 % of an image's
 * instructions on the Cortex-M4 (501 M against 494 M), which turns it on
 * (board/mps2-an386/board_config.h); on the host clock_gettime made an image 37-44 ms
 * instead of 25 (bench/gen_bench.sh), so it is off there but in the unit tests
 * (tests/tests.mk). 0: no counters, no clock reads. */
#ifndef GEN_PROFILE
#define GEN_PROFILE 0
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

/* Fan-out latency histograms (app/jobs/fanout.c, GET /api/debug/fanout): per transport
 * (WebSocket, SSE, one more) five histograms of 128 16-bit buckets (handed, deliver,
 * last_handed, last, skew) and FANOUT_OPEN events in flight of 28 B: 1.45 KB per transport,
 * 4.4 KB in all. */
#ifndef FANOUT_TRANSPORTS
#define FANOUT_TRANSPORTS 3
#endif
#define FANOUT_OPEN 4

/* Server-Sent Events comment heartbeat. No RAM. */
#define SSE_HEARTBEAT_MS 15000

/* ---- Fleet telemetry (MQTT, off unless the board is given a broker) ---------------- */

/* lwIP's MQTT client (src/apps/mqtt) in one static mqtt_client_t: its output ring
 * (MQTT_OUTPUT_RINGBUF_SIZE in port/lwipopts.h, 1 KB), a 128 B receive header buffer and 4
 * in-flight request records, ~1.2 KB; plus one TCP PCB and altcp wrapper (~0.2 KB) and the
 * telemetry module's topic and message buffers below. `make size` shows lwip-mqtt and
 * app/telemetry separately. */

/* MQTT keep-alive, seconds: the broker declares a silent device dead (and publishes its
 * last will) after 1.5 x this. The client's timer ticks every MQTT_CYCLIC_TIMER_INTERVAL
 * (1 s, port/lwipopts.h). */
#define TELEMETRY_KEEPALIVE_S 2

/* Health is published this often, and a lost broker retried as often (one timer). */
#define TELEMETRY_HEALTH_MS 2000

/* Topics (two of 96 B: the current one and the status/will topic) and one rendered message
 * (512 B; lifecycle records are ~200 B, health ~270 B and ~400 B at worst): ~0.8 KB with
 * the will and the client id.
 * A message that does not fit, or finds the client's output ring full, is dropped and
 * counted (telemetry is best effort, never a stall). */
#define TELEMETRY_TOPIC_MAX 96
#define TELEMETRY_MSG_MAX   512

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
