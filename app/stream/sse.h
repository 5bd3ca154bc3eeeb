/* Server-Sent Events (the WHATWG EventSource format) as a protocol on a connection: a job's
 * events as `id: <event_id>` / `data: <json>` blocks, a comment heartbeat when the stream is
 * quiet, and the end of the stream after the job's final event. */
#ifndef EDGE_STREAM_SSE_H
#define EDGE_STREAM_SSE_H

#include "app/http/server.h"
#include "app/jobs/jobs.h"

/* From a request handler: answer with the event stream of job j from event after+1, and
 * keep the connection for it. flags: EVENT_TIMED or 0. Answers 503 itself when no
 * subscription is free. */
void sse_open(conn_t *c, job_t *j, uint32_t after, unsigned flags);

#endif
