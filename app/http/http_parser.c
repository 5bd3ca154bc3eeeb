/* Incremental HTTP/1.1 request parser (RFC 9112 message syntax, RFC 9110 semantics).
 *
 * Every decision is made one byte at a time from the state alone, so a request split at
 * any byte boundary gives exactly the result of the same bytes in one piece. Header
 * values are streamed straight into their http_request_t field (or folded into a number /
 * token match) and never buffered whole. */
#include "app/http/http_parser.h"

#include <string.h>

enum {
    S_START,     /* before the method; empty lines here are skipped (RFC 9112 2.2) */
    S_METHOD,    /* method token, until SP */
    S_TARGET,    /* request target, until SP */
    S_VERSION,   /* HTTP-version, until end of line */
    S_LINE,      /* start of a header line, or the empty line that ends the headers */
    S_NAME,      /* field name, until ':' */
    S_VALUE_OWS, /* whitespace before the field value */
    S_VALUE,     /* field value, until end of line */
    S_BODY,      /* Content-Length body */
    S_DONE,
    S_ERROR,
};

/* Headers we act on. Anything else is syntax-checked and dropped. */
enum {
    H_OTHER,
    H_HOST,
    H_CONTENT_TYPE,
    H_ORIGIN,
    H_WS_KEY,
    H_WS_VERSION,
    H_WS_PROTOCOL,
    H_LAST_EVENT_ID,
    H_ACCEPT,
    H_ACCEPT_ENCODING,
    H_IF_NONE_MATCH,
    H_CONTENT_LENGTH,
    H_CONNECTION,
    H_UPGRADE,
    H_TRANSFER_ENCODING,
    H_COUNT
};

static const char *const header_names[H_COUNT] = {
    [H_HOST] = "host",
    [H_CONTENT_TYPE] = "content-type",
    [H_ORIGIN] = "origin",
    [H_WS_KEY] = "sec-websocket-key",
    [H_WS_VERSION] = "sec-websocket-version",
    [H_WS_PROTOCOL] = "sec-websocket-protocol",
    [H_LAST_EVENT_ID] = "last-event-id",
    [H_ACCEPT] = "accept",
    [H_ACCEPT_ENCODING] = "accept-encoding",
    [H_IF_NONE_MATCH] = "if-none-match",
    [H_CONTENT_LENGTH] = "content-length",
    [H_CONNECTION] = "connection",
    [H_UPGRADE] = "upgrade",
    [H_TRANSFER_ENCODING] = "transfer-encoding",
};

/* p->flags */
#define F_CLOSE      0x01u /* Connection: close */
#define F_KEEP_ALIVE 0x02u /* Connection: keep-alive */
#define F_TRUNCATED  0x04u /* current stored value lost bytes */
#define F_TOK_LONG   0x08u /* current list token is longer than p->tmp: matches nothing */
#define F_CL_DIGITS  0x10u /* current Content-Length element has a digit */
#define F_CL_END     0x20u /* whitespace after the current Content-Length element */
#define F_NEED_SEP   0x40u /* a list header's earlier value awaits ", " before this one */

/* Longest method we know ("OPTIONS") plus room to tell a longer token apart. */
#define METHOD_MAX 8
/* "HTTP/" 1*DIGIT "." 1*DIGIT, kept short: anything longer is not a version. */
#define VERSION_MAX 16

/* Internal steps return this to go on, or an http_parse_result_t to stop. */
#define R_CONTINUE (-1)

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* tchar of RFC 9110 5.6.2 */
static int is_tchar(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar / SP / HTAB, obs-text allowed (RFC 9110 5.5) */
static int is_value_char(int c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int is_ows(int c)
{
    return c == ' ' || c == '\t';
}

/* Case-insensitive compare of n bytes of a against the lower-case string b. */
static int ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != b[i]) return 0;
    return 1;
}

static int fail(http_parser_t *p, uint16_t status, const char *why)
{
    p->state = S_ERROR;
    p->status = status;
    p->error = why;
    return HTTP_PARSE_ERROR;
}

/* Where a stored header goes; NULL for headers that are parsed, not stored. */
static char *field_of(http_request_t *r, unsigned id, size_t *cap)
{
    switch (id) {
    case H_HOST:
        *cap = sizeof r->host;
        return r->host;
    case H_CONTENT_TYPE:
        *cap = sizeof r->content_type;
        return r->content_type;
    case H_ORIGIN:
        *cap = sizeof r->origin;
        return r->origin;
    case H_WS_KEY:
        *cap = sizeof r->ws_key;
        return r->ws_key;
    case H_WS_VERSION:
        *cap = sizeof r->ws_version;
        return r->ws_version;
    case H_WS_PROTOCOL:
        *cap = sizeof r->ws_protocol;
        return r->ws_protocol;
    case H_LAST_EVENT_ID:
        *cap = sizeof r->last_event_id;
        return r->last_event_id;
    case H_ACCEPT:
        *cap = sizeof r->accept;
        return r->accept;
    case H_ACCEPT_ENCODING:
        *cap = sizeof r->accept_encoding;
        return r->accept_encoding;
    case H_IF_NONE_MATCH:
        *cap = sizeof r->if_none_match;
        return r->if_none_match;
    default:
        *cap = 0;
        return NULL;
    }
}

/* Lists may be split over several field lines and are joined with ", " (RFC 9110 5.3);
 * for the other stored headers a second line is ambiguous and refused. */
static int is_list_header(unsigned id)
{
    return id == H_WS_PROTOCOL || id == H_ACCEPT || id == H_ACCEPT_ENCODING ||
           id == H_IF_NONE_MATCH;
}

static void put_stored(http_parser_t *p, char *dst, size_t cap, int c)
{
    if ((size_t)p->value_len + 1 < cap) {
        dst[p->value_len++] = (char)c;
        dst[p->value_len] = '\0';
    } else if (!is_ows(c)) {
        p->flags |= F_TRUNCATED;
    }
}

/* The field name is complete (at ':'): identify it and prepare for its value. */
static int begin_value(http_parser_t *p)
{
    unsigned id = H_OTHER;
    if (p->name_len < sizeof p->name) {
        for (unsigned i = 1; i < H_COUNT; i++) {
            if (ieq(p->name, p->name_len, header_names[i])) {
                id = i;
                break;
            }
        }
    }
    p->hdr_id = (uint8_t)id;
    p->value_len = 0;
    p->flags &= (uint8_t) ~(F_TRUNCATED | F_TOK_LONG | F_CL_DIGITS | F_CL_END | F_NEED_SEP);
    p->num = 0;

    size_t cap;
    char *dst = field_of(&p->req, id, &cap);
    if (id != H_OTHER && (p->seen & (1u << id))) {
        if (id == H_HOST) return fail(p, 400, "more than one Host header");
        if (dst && !is_list_header(id)) return fail(p, 400, "duplicate header");
    }
    p->seen |= (uint16_t)(1u << id);
    if (dst) {
        p->value_len = (uint16_t)strlen(dst);
        /* ", " goes in only when this line brings a non-empty value */
        if (p->value_len > 0) p->flags |= F_NEED_SEP;
    }
    return R_CONTINUE;
}

/* One Content-Length list element is complete. */
static int cl_element(http_parser_t *p)
{
    if (!(p->flags & F_CL_DIGITS)) return fail(p, 400, "Content-Length is not a number");
    if (p->req.has_body_len && p->req.content_length != p->num)
        return fail(p, 400, "conflicting Content-Length values");
    p->req.has_body_len = 1;
    p->req.content_length = p->num;
    p->num = 0;
    p->flags &= (uint8_t) ~(F_CL_DIGITS | F_CL_END);
    return R_CONTINUE;
}

/* One token of Connection or Upgrade is complete (RFC 9110 7.6.1, 7.8). */
static void list_token(http_parser_t *p)
{
    if (p->value_len > 0 && !(p->flags & F_TOK_LONG)) {
        const char *t = p->tmp;
        size_t n = p->value_len;
        if (p->hdr_id == H_CONNECTION) {
            if (ieq(t, n, "close")) p->flags |= F_CLOSE;
            if (ieq(t, n, "keep-alive")) p->flags |= F_KEEP_ALIVE;
            if (ieq(t, n, "upgrade")) p->req.conn_upgrade = 1;
        } else if (ieq(t, n, "websocket")) {
            p->req.upgrade_ws = 1;
        }
    }
    p->value_len = 0;
    p->flags &= (uint8_t)~F_TOK_LONG;
}

/* A byte of a field value (after leading whitespace). */
static int value_byte(http_parser_t *p, int c)
{
    switch (p->hdr_id) {
    case H_CONTENT_LENGTH:
        if (is_digit(c)) {
            if (p->flags & F_CL_END) return fail(p, 400, "Content-Length is not a number");
            uint32_t d = (uint32_t)(c - '0');
            /* saturate: anything this large is refused with 413 anyway */
            p->num = (p->num > (UINT32_MAX - d) / 10) ? UINT32_MAX : p->num * 10 + d;
            p->flags |= F_CL_DIGITS;
        } else if (is_ows(c)) {
            if (p->flags & F_CL_DIGITS) p->flags |= F_CL_END;
        } else if (c == ',') {
            return cl_element(p);
        } else {
            return fail(p, 400, "Content-Length is not a number");
        }
        break;
    case H_CONNECTION:
    case H_UPGRADE:
        if (c == ',' || is_ows(c)) {
            list_token(p);
        } else if (p->value_len + 1u < sizeof p->tmp) {
            p->tmp[p->value_len++] = (char)c;
        } else {
            p->flags |= F_TOK_LONG;
        }
        break;
    default: {
        size_t cap;
        char *dst = field_of(&p->req, p->hdr_id, &cap);
        if (!dst) break;
        if (p->flags & F_NEED_SEP) {
            p->flags &= (uint8_t)~F_NEED_SEP;
            put_stored(p, dst, cap, ',');
            put_stored(p, dst, cap, ' ');
        }
        put_stored(p, dst, cap, c);
        break;
    }
    }
    return R_CONTINUE;
}

/* The field line ended. */
static int end_value(http_parser_t *p)
{
    switch (p->hdr_id) {
    case H_CONTENT_LENGTH: {
        int r = cl_element(p);
        if (r != R_CONTINUE) return r;
        if (p->req.content_length > HTTP_BODY_MAX)
            return fail(p, 413, "request body larger than the server accepts");
        break;
    }
    case H_CONNECTION:
    case H_UPGRADE:
        list_token(p);
        break;
    case H_TRANSFER_ENCODING:
        /* we cannot frame a chunked body; refuse rather than misread it (RFC 9112 6.1) */
        return fail(p, 501, "Transfer-Encoding is not supported; send a Content-Length body");
    default: {
        size_t cap;
        char *dst = field_of(&p->req, p->hdr_id, &cap);
        if (!dst) break;
        /* the value started with a non-blank byte, so this stops inside it */
        while (p->value_len > 0 && is_ows((unsigned char)dst[p->value_len - 1]))
            dst[--p->value_len] = '\0';
        /* a cut WebSocket key would fail the handshake in a confusing way */
        if ((p->flags & F_TRUNCATED) && p->hdr_id == H_WS_KEY)
            return fail(p, 400, "Sec-WebSocket-Key too long");
        break;
    }
    }
    return R_CONTINUE;
}

static int end_method(http_parser_t *p)
{
    static const struct {
        const char *name;
        uint8_t m;
    } methods[] = {
        {"GET", HTTP_M_GET},     {"HEAD", HTTP_M_HEAD},     {"POST", HTTP_M_POST},
        {"PUT", HTTP_M_PUT},     {"DELETE", HTTP_M_DELETE}, {"OPTIONS", HTTP_M_OPTIONS},
        {"PATCH", HTTP_M_PATCH},
    };
    if (p->name_len == 0) return fail(p, 400, "malformed request line");
    /* methods are case-sensitive (RFC 9110 9.1) */
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (p->name_len == strlen(methods[i].name) &&
            memcmp(p->name, methods[i].name, p->name_len) == 0) {
            p->req.method = methods[i].m;
            return R_CONTINUE;
        }
    }
    return fail(p, 501, "method not implemented");
}

static int end_version(http_parser_t *p)
{
    const char *v = p->name;
    size_t n = p->name_len;
    if (n == 8 && memcmp(v, "HTTP/1.", 7) == 0 && (v[7] == '0' || v[7] == '1')) {
        p->req.version_minor = (uint8_t)(v[7] - '0');
        return R_CONTINUE;
    }
    /* well-formed "HTTP/" 1*DIGIT ["." 1*DIGIT] but not one we speak: 505; else garbage */
    if (n > 5 && memcmp(v, "HTTP/", 5) == 0) {
        size_t i = 5, major = 0, minor = 0;
        while (i < n && is_digit(v[i]))
            i++, major++;
        if (i < n && v[i] == '.') {
            i++;
            while (i < n && is_digit(v[i]))
                i++, minor++;
            if (minor == 0) i = 0; /* "HTTP/1." */
        }
        if (major > 0 && i == n) return fail(p, 505, "HTTP version not supported");
    }
    return fail(p, 400, "malformed HTTP version");
}

/* The empty line after the headers. */
static int end_headers(http_parser_t *p)
{
    http_request_t *r = &p->req;
    if (r->version_minor == 1 && !(p->seen & (1u << H_HOST)))
        return fail(p, 400, "missing Host header"); /* RFC 9112 3.2 */
    if (p->flags & F_CLOSE)
        r->keep_alive = 0;
    else
        r->keep_alive = (r->version_minor == 1 || (p->flags & F_KEEP_ALIVE)) ? 1 : 0;
    if (r->content_length > 0) {
        p->state = S_BODY;
        return HTTP_PARSE_HEADERS;
    }
    p->state = S_DONE;
    return HTTP_PARSE_DONE;
}

/* Line endings: CRLF, or a bare LF. A CR anywhere else is an error. Returns 1 if c ends
 * the line, 0 if c is an ordinary byte, -1 after an error. */
static int line_end(http_parser_t *p, int c)
{
    if (p->saw_cr) {
        p->saw_cr = 0;
        if (c == '\n') return 1;
        fail(p, 400, "CR not followed by LF");
        return -1;
    }
    if (c == '\r') {
        p->saw_cr = 1;
        return 2; /* swallowed: wait for the LF */
    }
    return c == '\n' ? 1 : 0;
}

/* One byte of the request line or headers. */
static int head_byte(http_parser_t *p, int c)
{
    int le;
    switch (p->state) {
    case S_START:
        le = line_end(p, c);
        if (le < 0) return HTTP_PARSE_ERROR;
        if (le) break; /* an empty line before the request: skipped */
        p->state = S_METHOD;
        p->name_len = 0;
        /* fall through */
    case S_METHOD:
        if (c == ' ') {
            int r = end_method(p);
            if (r != R_CONTINUE) return r;
            p->state = S_TARGET;
            p->name_len = 0;
        } else if (!is_tchar(c)) {
            return fail(p, 400, "malformed request line");
        } else {
            if (p->name_len < METHOD_MAX) p->name[p->name_len] = (char)c;
            if (p->name_len < UINT16_MAX) p->name_len++;
        }
        break;
    case S_TARGET: {
        size_t n = p->name_len; /* bytes of target so far */
        if (c == ' ') {
            if (n == 0) return fail(p, 400, "malformed request line");
            if (p->req.target[0] == '*' && (n != 1 || p->req.method != HTTP_M_OPTIONS))
                return fail(p, 400, "invalid request target");
            p->state = S_VERSION;
            p->name_len = 0;
            break;
        }
        if (c < 0x21 || c > 0x7e) return fail(p, 400, "invalid request target");
        if (n == 0 && c != '/' && c != '*') return fail(p, 400, "invalid request target");
        if (n + 1 >= HTTP_TARGET_MAX) return fail(p, 414, "request target too long");
        p->req.target[n] = (char)c;
        p->name_len++;
        break;
    }
    case S_VERSION:
        le = line_end(p, c);
        if (le < 0) return HTTP_PARSE_ERROR;
        if (le == 2) break;
        if (le == 1) {
            int r = end_version(p);
            if (r != R_CONTINUE) return r;
            p->state = S_LINE;
            break;
        }
        if (p->name_len >= VERSION_MAX) return fail(p, 400, "malformed HTTP version");
        p->name[p->name_len++] = (char)c;
        break;
    case S_LINE:
        le = line_end(p, c);
        if (le < 0) return HTTP_PARSE_ERROR;
        if (le == 2) break;
        if (le == 1) return end_headers(p);
        if (is_ows(c)) return fail(p, 400, "obsolete line folding is not accepted");
        p->state = S_NAME;
        p->name_len = 0;
        /* fall through */
    case S_NAME:
        if (c == ':') {
            if (p->name_len == 0) return fail(p, 400, "empty header name");
            int r = begin_value(p);
            if (r != R_CONTINUE) return r;
            p->state = S_VALUE_OWS;
        } else if (!is_tchar(c)) {
            return fail(p, 400, "invalid header name");
        } else {
            if (p->name_len < sizeof p->name) p->name[p->name_len] = (char)c;
            if (p->name_len < UINT16_MAX) p->name_len++;
        }
        break;
    case S_VALUE_OWS:
    case S_VALUE:
        le = line_end(p, c);
        if (le < 0) return HTTP_PARSE_ERROR;
        if (le == 2) break;
        if (le == 1) {
            int r = end_value(p);
            if (r != R_CONTINUE) return r;
            p->state = S_LINE;
            break;
        }
        if (!is_value_char(c)) return fail(p, 400, "invalid character in header value");
        if (p->state == S_VALUE_OWS) {
            if (is_ows(c)) break;
            p->state = S_VALUE;
        }
        return value_byte(p, c);
    default:
        break;
    }
    return R_CONTINUE;
}

void http_parser_reset(http_parser_t *p)
{
    memset(p, 0, sizeof *p);
    p->state = S_START;
}

void http_parser_set_body(http_parser_t *p, uint8_t *buf, uint32_t cap)
{
    p->body = buf;
    p->body_cap = cap;
}

http_parse_result_t http_parser_feed(http_parser_t *p, const uint8_t *data, size_t len,
                                     size_t *used)
{
    size_t i = 0;
    http_parse_result_t r = HTTP_PARSE_MORE;

    while (i < len && p->state < S_BODY) {
        int step;
        if (++p->header_bytes > HTTP_HEADER_MAX)
            step = fail(p, 431, "request headers too large");
        else
            step = head_byte(p, data[i++]);
        if (step != R_CONTINUE) {
            r = (http_parse_result_t)step;
            break;
        }
    }

    if (r == HTTP_PARSE_MORE || r == HTTP_PARSE_HEADERS) {
        if (p->state == S_BODY) {
            uint32_t want = p->req.content_length - p->body_got;
            if (!p->body) {
                r = HTTP_PARSE_HEADERS; /* the caller must place the body first */
            } else if (p->body_cap < p->req.content_length) {
                r = fail(p, 413, "request body larger than the buffer");
            } else if (r == HTTP_PARSE_MORE) {
                size_t n = len - i < want ? len - i : want;
                memcpy(p->body + p->body_got, data + i, n);
                p->body_got += (uint32_t)n;
                i += n;
                if (p->body_got == p->req.content_length) {
                    p->state = S_DONE;
                    r = HTTP_PARSE_DONE;
                }
            }
        } else if (p->state == S_DONE) {
            r = HTTP_PARSE_DONE;
        } else if (p->state == S_ERROR) {
            r = HTTP_PARSE_ERROR;
        }
    }
    *used = i;
    return r;
}

size_t http_target_path_len(const char *target)
{
    size_t n = 0;
    while (target[n] && target[n] != '?')
        n++;
    return n;
}

static int hex_val(int c)
{
    if (is_digit(c)) return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes one byte of a query component at *s (advancing it): '+' is a space and %XX a
 * byte. Returns the byte, or -1 on a malformed or NUL escape. */
static int query_byte(const char **s)
{
    const char *q = *s;
    if (*q == '+') {
        *s = q + 1;
        return ' ';
    }
    if (*q == '%') {
        int hi = hex_val((unsigned char)q[1]);
        int lo = hi < 0 ? -1 : hex_val((unsigned char)q[2]);
        if (lo < 0 || (hi | lo) == 0) return -1;
        *s = q + 3;
        return hi * 16 + lo;
    }
    *s = q + 1;
    return (unsigned char)*q;
}

static int is_query_end(char c)
{
    return c == '\0' || c == '&' || c == '#';
}

int http_query_param(const char *target, const char *name, char *out, size_t out_cap)
{
    const char *s = target + http_target_path_len(target);
    if (*s != '?' || out_cap == 0) return -1;
    s++;
    while (*s && *s != '#') {
        /* compare the decoded key with name */
        const char *n = name;
        int match = 1;
        while (!is_query_end(*s) && *s != '=') {
            int c = query_byte(&s);
            if (c < 0) {
                match = 0;
                s++;
            } else if (match && *n && (unsigned char)*n == c) {
                n++;
            } else {
                match = 0;
            }
        }
        if (match && *n == '\0') {
            size_t len = 0;
            if (*s == '=') s++;
            while (!is_query_end(*s)) {
                int c = query_byte(&s);
                if (c < 0 || len + 1 >= out_cap) return -1;
                out[len++] = (char)c;
            }
            out[len] = '\0';
            return (int)len;
        }
        while (!is_query_end(*s))
            s++;
        if (*s == '&') s++;
    }
    return -1;
}
