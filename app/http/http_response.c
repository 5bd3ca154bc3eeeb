/* HTTP response formatting, on the text toolkit (app/util/sink.h) rather than snprintf so
 * that app/ pulls in no stdio (and no float formatting) on the small boards. */
#include "app/http/http_response.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "app/util/sink.h"

/* Formatting goes through the text toolkit's string builder; `bad` marks an argument that
 * could break the message, which refuses the whole result like a buffer that is too small. */
typedef struct {
    sink_t s;
    bool bad;
} writer_t;

static void put_str(writer_t *w, const char *z)
{
    if (!z) {
        w->bad = true;
        return;
    }
    sink_str(&w->s, z);
}

/* out gets the text and a NUL after it, or "" and -1 when it did not fit or was refused. */
static void writer_init(writer_t *w, char *out, size_t cap)
{
    sink_init_cstr(&w->s, out, cap);
    w->bad = false;
}

static int finish(writer_t *w)
{
    int n = sink_end_cstr(&w->s);
    if (w->bad && n >= 0) { /* it fitted, but an argument would break the message */
        w->s.out[0] = '\0';
        return -1;
    }
    return n;
}

/* A header name or value must not carry CR or LF (it would end the header early). */
static int header_safe(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return 0;
    return 1;
}

const char *http_reason(unsigned status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "";
    }
}

const char *http_error_code(unsigned status, int with_field)
{
    switch (status) {
    case 400:
        return with_field ? "invalid_argument" : "bad_request";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 408:
        return "request_timeout";
    case 413:
        return "payload_too_large";
    case 414:
        return "uri_too_long";
    case 415:
        return "unsupported_media_type";
    case 431:
        return "headers_too_large";
    case 501:
        return "not_implemented";
    case 503:
        return "unavailable";
    case 505:
        return "http_version_not_supported";
    default:
        return (status >= 400 && status < 500) ? "bad_request" : "internal";
    }
}

static void put_head(writer_t *w, const http_head_t *h)
{
    if (h->status < 100 || h->status > 999) w->bad = true;
    if (h->content_type && !header_safe(h->content_type)) w->bad = true;
    if (h->connection && !header_safe(h->connection)) w->bad = true;
    if (h->extra_name && (!h->extra_value || !*h->extra_name || !header_safe(h->extra_name) ||
                          strchr(h->extra_name, ':') || !header_safe(h->extra_value)))
        w->bad = true;

    put_str(w, "HTTP/1.1 ");
    sink_u32(&w->s, h->status);
    put_str(w, " ");
    put_str(w, http_reason(h->status));
    put_str(w, "\r\n");
    if (h->content_type) {
        put_str(w, "Content-Type: ");
        put_str(w, h->content_type);
        put_str(w, "\r\n");
    }
    if (h->content_length >= 0) {
        put_str(w, "Content-Length: ");
        sink_u32(&w->s, (uint32_t)h->content_length);
        put_str(w, "\r\n");
    }
    if (h->connection) {
        put_str(w, "Connection: ");
        put_str(w, h->connection);
        put_str(w, "\r\n");
    } else {
        put_str(w, h->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    }
    if (!h->cacheable) put_str(w, "Cache-Control: no-store\r\n");
    if (h->extra_name) {
        put_str(w, h->extra_name);
        put_str(w, ": ");
        put_str(w, h->extra_value);
        put_str(w, "\r\n");
    }
    if (h->extra_lines) put_str(w, h->extra_lines);
    put_str(w, "\r\n");
}

int http_format_head(char *out, size_t cap, const http_head_t *h)
{
    writer_t w;
    writer_init(&w, out, cap);
    put_head(&w, h);
    return finish(&w);
}

void http_error_members(sink_t *s, const http_error_t *e)
{
    sink_str(s, "\"code\":");
    sink_json_str(s, e->code ? e->code : http_error_code(e->status, e->field != NULL));
    if (e->field) {
        sink_str(s, ",\"field\":");
        sink_json_str(s, e->field);
    }
    sink_str(s, ",\"message\":");
    sink_json_str(s, e->message ? e->message : http_reason(e->status));
}

void http_error_body(sink_t *s, const http_error_t *e)
{
    sink_str(s, "{\"error\":{");
    http_error_members(s, e);
    sink_str(s, "}}");
}

int http_format_error_body(char *out, size_t cap, const http_error_t *e)
{
    writer_t w;
    writer_init(&w, out, cap);
    http_error_body(&w.s, e);
    return finish(&w);
}

int http_format_error(char *out, size_t cap, const http_error_t *e, int keep_alive,
                      const char *extra_name, const char *extra_value)
{
    /* measure the body first: its length goes into the head */
    sink_t count;
    sink_init(&count, NULL, 0, 0);
    http_error_body(&count, e);

    http_head_t h = {
        .status = e->status,
        .keep_alive = (uint8_t)(keep_alive ? 1 : 0),
        .content_type = HTTP_CT_JSON,
        .content_length = (int32_t)count.pos,
        .extra_name = extra_name,
        .extra_value = extra_value,
    };
    writer_t w;
    writer_init(&w, out, cap);
    if (count.pos > INT32_MAX) w.bad = true;
    put_head(&w, &h);
    http_error_body(&w.s, e);
    return finish(&w);
}
