/* HTTP response formatting. Hand-rolled rather than snprintf so that app/ pulls in no
 * stdio (and no float formatting) on the small boards. */
#include "app/http/http_response.h"

#include <stdint.h>
#include <string.h>

/* Appends to a fixed buffer; once something does not fit, everything after is refused.
 * With no buffer it only counts. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    int bad;
} writer_t;

static void put_bytes(writer_t *w, const char *s, size_t n)
{
    if (w->bad || n >= w->cap - w->len) { /* keep room for the NUL */
        w->bad = 1;
        return;
    }
    if (w->buf) memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void put_str(writer_t *w, const char *s)
{
    if (!s) {
        w->bad = 1;
        return;
    }
    put_bytes(w, s, strlen(s));
}

static void put_uint(writer_t *w, uint32_t v)
{
    char d[10];
    size_t n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_bytes(w, d + sizeof d - n, n);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), or 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

static void put_json(writer_t *w, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put_bytes(w, e, 2);
        } else if (c == '\n') {
            put_str(w, "\\n");
        } else if (c == '\r') {
            put_str(w, "\\r");
        } else if (c == '\t') {
            put_str(w, "\\t");
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put_bytes(w, e, 6);
        } else if (c < 0x80) {
            put_bytes(w, (const char *)s, 1);
        } else {
            size_t n = utf8_len(s);
            if (n) {
                put_bytes(w, (const char *)s, n);
                s += n;
                continue;
            }
            put_str(w, "\\ufffd");
        }
        s++;
    }
}

static int finish(writer_t *w)
{
    if (w->bad || w->len > INT32_MAX) {
        if (w->cap) w->buf[0] = '\0';
        return -1;
    }
    w->buf[w->len] = '\0';
    return (int)w->len;
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
    if (h->status < 100 || h->status > 999) w->bad = 1;
    if (h->content_type && !header_safe(h->content_type)) w->bad = 1;
    if (h->connection && !header_safe(h->connection)) w->bad = 1;
    if (h->extra_name && (!h->extra_value || !*h->extra_name || !header_safe(h->extra_name) ||
                          strchr(h->extra_name, ':') || !header_safe(h->extra_value)))
        w->bad = 1;

    put_str(w, "HTTP/1.1 ");
    put_uint(w, h->status);
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
        put_uint(w, (uint32_t)h->content_length);
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
    writer_t w = {out, cap, 0, cap == 0};
    put_head(&w, h);
    return finish(&w);
}

static void put_error_body(writer_t *w, const http_error_t *e)
{
    put_str(w, "{\"error\":{\"code\":\"");
    put_json(w, e->code ? e->code : http_error_code(e->status, e->field != NULL));
    put_str(w, "\"");
    if (e->field) {
        put_str(w, ",\"field\":\"");
        put_json(w, e->field);
        put_str(w, "\"");
    }
    put_str(w, ",\"message\":\"");
    put_json(w, e->message ? e->message : http_reason(e->status));
    put_str(w, "\"}}");
}

int http_format_error_body(char *out, size_t cap, const http_error_t *e)
{
    writer_t w = {out, cap, 0, cap == 0};
    put_error_body(&w, e);
    return finish(&w);
}

int http_format_error(char *out, size_t cap, const http_error_t *e, int keep_alive,
                      const char *extra_name, const char *extra_value)
{
    /* measure the body first: its length goes into the head */
    writer_t count = {NULL, SIZE_MAX, 0, 0};
    put_error_body(&count, e);

    http_head_t h = {
        .status = e->status,
        .keep_alive = (uint8_t)(keep_alive ? 1 : 0),
        .content_type = HTTP_CT_JSON,
        .content_length = (int32_t)count.len,
        .extra_name = extra_name,
        .extra_value = extra_value,
    };
    writer_t w = {out, cap, 0, cap == 0 || count.len > INT32_MAX};
    put_head(&w, &h);
    put_error_body(&w, e);
    return finish(&w);
}

int http_json_escape(char *out, size_t cap, const char *s)
{
    writer_t w = {out, cap, 0, cap == 0};
    put_json(&w, s);
    return finish(&w);
}
