/* GET /ws: the JSON protocol over WebSocket (and GET /ws/test, the echo endpoint). Client
 * messages: ping, subscribe (with last_event_id), unsubscribe, generate, cancel. The
 * connection receives the events of the jobs it follows; a malformed message gets an
 * "error" message naming the problem and the connection stays open. */
#include <string.h>

#include "app/api/gen_request.h"
#include "app/api/handlers.h"
#include "app/api/ws_api.h"
#include "app/api/ws_echo.h"
#include "app/config.h"
#include "app/http/http_response.h"
#include "app/stream/ws_endpoint.h"
#include "app/jobs/subs.h"
#include "app/log.h"
#include "app/util/sink.h"
#include "port/json_arena.h"

/* Replies are formatted here and sent whole; a message that cannot go out yet (an event
 * frame is half sent, or the window is full) is offered again later (WS_BUSY). The longest
 * is an error naming a field, with its message: well under WS_API_REPLY_MAX. */
static char reply[WS_API_REPLY_MAX];

/* Sends what the sink built in reply; one that did not fit is dropped (logged), since a
 * cut message would not be JSON. */
static int send_built(ws_conn_t *ws, const sink_t *s)
{
    if (sink_overflowed(s)) {
        LOGW("ws_api: reply of %u bytes dropped (WS_API_REPLY_MAX)", (unsigned)s->pos);
        return 0;
    }
    return ws_conn_send(ws, WS_OP_TEXT, reply, s->n);
}

static void error_json(sink_t *s, const char *code, const char *field, const char *msg)
{
    http_error_t e = {.status = 400, .code = code, .field = field, .message = msg};
    sink_str(s, "{\"type\":\"error\",");
    http_error_members(s, &e);
    sink_put(s, "}", 1);
}

int ws_api_format_error(char *out, size_t cap, const char *code, const char *field, const char *msg)
{
    sink_t s;
    sink_init_cstr(&s, out, cap);
    error_json(&s, code, field, msg);
    return sink_end_cstr(&s);
}

static int send_error(ws_conn_t *ws, const char *code, const char *field, const char *msg)
{
    sink_t s;
    sink_init(&s, reply, sizeof reply, 0);
    error_json(&s, code, field, msg);
    return send_built(ws, &s);
}

/* {"type":<type>} or {"type":<type>,"session_id":<sid>}. */
static int send_ack(ws_conn_t *ws, const char *type, const char *sid)
{
    sink_t s;
    sink_init(&s, reply, sizeof reply, 0);
    sink_str(&s, "{\"type\":");
    sink_json_str(&s, type);
    if (sid) {
        sink_str(&s, ",\"session_id\":");
        sink_json_str(&s, sid);
    }
    sink_put(&s, "}", 1);
    return send_built(ws, &s);
}

static const char *session_of(const cJSON *msg)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "session_id");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Handle one complete message; returns 0, or WS_BUSY if the answer must wait. */
static int handle(ws_conn_t *ws, conn_t *c, const cJSON *msg)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (!cJSON_IsString(t)) return send_error(ws, "invalid_message", "type", "type is required");
    const char *type = t->valuestring;

    if (strcmp(type, "ping") == 0) return send_ack(ws, "pong", NULL);

    if (strcmp(type, "generate") == 0) {
        if (!subs_available())
            return send_error(ws, "unavailable", NULL, "too many subscribers, retry shortly");
        gen_request_t g;
        uint8_t num_images;
        api_error_t err;
        if (gen_request_from_json(msg, &g, &num_images, &err) != 0)
            return send_error(ws, "invalid_argument", err.field, err.message);
        job_t *j = jobs_submit(&g, num_images, 0);
        if (!j) return send_error(ws, "queue_full", NULL, "the job queue is full, retry shortly");
        subs_add(j, 0, 0, &ws_event_transport, c);
        return 0;
    }

    if (strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0 ||
        strcmp(type, "cancel") == 0) {
        const char *sid = session_of(msg);
        if (!sid) return send_error(ws, "invalid_argument", "session_id", "session_id is required");
        job_t *j = jobs_find(sid);
        if (!j || j->warmup) return send_error(ws, "not_found", "session_id", "no such session");
        if (type[0] == 's') {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "last_event_id");
            uint32_t after = 0;
            if (v && !cJSON_IsNull(v)) {
                if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
                    v->valuedouble != (double)(uint32_t)v->valuedouble)
                    return send_error(ws, "invalid_argument", "last_event_id",
                                      "must be a whole number");
                after = (uint32_t)v->valuedouble;
            }
            int old = subs_find(c, j);
            if (old >= 0) subs_remove(old); /* a new subscribe restarts from its own point */
            const cJSON *tm = cJSON_GetObjectItemCaseSensitive(msg, "timing");
            unsigned flags = cJSON_IsTrue(tm) ? SUB_TIMED : 0;
            if (subs_add(j, after, flags, &ws_event_transport, c) < 0)
                return send_error(ws, "unavailable", NULL, "too many subscribers, retry shortly");
            return 0;
        }
        if (type[0] == 'u') {
            subs_remove(subs_find(c, j));
            return send_ack(ws, "unsubscribed", j->hex);
        }
        if (jobs_cancel(j) != 0)
            return send_error(ws, "conflict", "session_id", "the job has already finished");
        return 0; /* subscribers get generation_error with code cancelled */
    }
    return send_error(ws, "invalid_message", "type",
                      "unknown type (ping, subscribe, unsubscribe, generate, cancel)");
}

static int on_message(ws_conn_t *ws, unsigned flags, const uint8_t *p, size_t n)
{
    conn_t *c = ws_endpoint_conn(ws);
    unsigned whole = WS_MSG_FIRST | WS_MSG_LAST;
    if ((flags & whole) != whole) {
        /* Larger than any valid message: answer once, at its end. */
        if (!(flags & WS_MSG_LAST)) return (int)n;
        char msg[48]; /* the limit is WS_RX_BUF, whatever the board set it to */
        sink_t m;
        sink_init_cstr(&m, msg, sizeof msg);
        sink_str(&m, "messages are at most ");
        sink_u32(&m, WS_RX_BUF);
        sink_str(&m, " bytes");
        sink_end_cstr(&m);
        return send_error(ws, "message_too_large", NULL, msg) == 0 ? (int)n : WS_BUSY;
    }
    if ((flags & WS_MSG_TYPE) != WS_OP_TEXT)
        return send_error(ws, "invalid_message", NULL, "send JSON text messages") == 0 ? (int)n
                                                                                       : WS_BUSY;
    if (subs_busy_ctx(c)) return WS_BUSY; /* an event frame is half sent */
    json_arena_reset();
    cJSON *msg = json_parse_whole((const char *)p, n);
    int r;
    if (!msg || !cJSON_IsObject(msg))
        r = send_error(ws, "invalid_json", NULL, "messages must be JSON objects");
    else
        r = handle(ws, c, msg);
    json_arena_reset();
    if (r != 0) return WS_BUSY;
    subs_fanout_ctx(c); /* a subscribe or generate can be answered at once */
    return (int)n;
}

static void on_writable(ws_conn_t *ws)
{
    subs_fanout_ctx(ws_endpoint_conn(ws));
}

static void on_close(ws_conn_t *ws, uint16_t code)
{
    (void)code;
    subs_remove_ctx(ws_endpoint_conn(ws));
}

static const ws_handler_t ws_api_handler = {NULL, on_message, on_writable, on_close};

void api_ws(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)body, (void)len;
    ws_endpoint_upgrade(c, req, &ws_api_handler);
}

void api_ws_test(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)body, (void)len;
    ws_endpoint_upgrade(c, req, &ws_echo_handler);
}
