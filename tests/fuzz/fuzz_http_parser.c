/* libFuzzer target for the HTTP request parser.
 *
 * Input: byte 0 = number n (0..7) of chunk-size bytes that follow; those bytes give the
 * sizes of the pieces the stream is cut into (1..256, cycled; n = 0 means byte by byte).
 * The rest is the byte stream of a connection, parsed as a series of pipelined requests.
 *
 * Checked: used <= len and MORE consumes everything; no call loops without progress;
 * every request of the stream gives the same result, consumption, status, fields and
 * body whether the stream is cut or not; after DONE the rest parses as a new request;
 * string fields are NUL-terminated; statuses and limits are the documented ones; the
 * target helpers stay in bounds on whatever target came out. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/http/http_parser.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) abort();                                                                         \
    } while (0)

#define MAX_REQS 256

enum { OUT_DONE, OUT_ERROR, OUT_INCOMPLETE };

typedef struct {
    int kind;
    size_t used; /* bytes of the stream this request took */
    uint16_t status;
    const char *error;
    uint32_t body_got;
    uint32_t body_hash;
    http_request_t req;
} outcome_t;

static outcome_t ref[MAX_REQS];
static size_t nref;
static uint8_t body[HTTP_BODY_MAX];

static uint32_t fnv(const uint8_t *d, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 16777619u;
    return h;
}

static void check_cstr(const char *s, size_t cap)
{
    CHECK(memchr(s, '\0', cap) != NULL);
}

/* Properties every request must have, whatever the input. */
static void check_request(const http_parser_t *p, int kind)
{
    const http_request_t *r = &p->req;
    check_cstr(r->target, sizeof r->target);
    check_cstr(r->host, sizeof r->host);
    check_cstr(r->content_type, sizeof r->content_type);
    check_cstr(r->origin, sizeof r->origin);
    check_cstr(r->ws_key, sizeof r->ws_key);
    check_cstr(r->ws_version, sizeof r->ws_version);
    check_cstr(r->ws_protocol, sizeof r->ws_protocol);
    check_cstr(r->last_event_id, sizeof r->last_event_id);
    check_cstr(r->accept, sizeof r->accept);
    check_cstr(r->accept_encoding, sizeof r->accept_encoding);
    check_cstr(r->if_none_match, sizeof r->if_none_match);
    if (kind == OUT_ERROR) {
        uint16_t s = p->status;
        CHECK(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
        CHECK(p->error != NULL && p->error[0] != '\0');
    }
    if (kind == OUT_DONE) {
        CHECK(r->method != HTTP_M_UNKNOWN);
        CHECK(r->version_minor <= 1);
        CHECK(r->keep_alive <= 1);
        CHECK(r->content_length <= HTTP_BODY_MAX);
        CHECK(r->target[0] == '/' || (r->target[0] == '*' && r->target[1] == '\0'));
        CHECK(p->body_got == r->content_length);
        size_t pl = http_target_path_len(r->target);
        CHECK(pl <= strlen(r->target));
        static const char *const names[] = {"after", "a", "", "x y"};
        char out[8];
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            int n = http_query_param(r->target, names[i], out, sizeof out);
            CHECK(n >= -1 && n < (int)sizeof out);
            if (n >= 0) CHECK(out[n] == '\0');
            n = http_query_param(r->target, names[i], out, 1);
            CHECK(n <= 0);
        }
        /* the asset helpers read whatever the headers held, in bounds (ASan), with a yes/no */
        int gz = http_accepts_gzip(r->accept_encoding);
        CHECK(gz == 0 || gz == 1);
        int m = http_etag_matches(r->if_none_match, "\"0123456789abcdef-gz\"");
        CHECK(m == 0 || m == 1);
    }
}

static void snapshot(outcome_t *o, const http_parser_t *p, int kind, size_t used)
{
    check_request(p, kind);
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->used = used;
    o->status = p->status;
    o->error = p->error;
    o->body_got = p->body_got;
    o->body_hash = p->body ? fnv(p->body, p->body_got) : 0;
    o->req = p->req;
}

static void same(const outcome_t *a, const outcome_t *b)
{
    CHECK(a->kind == b->kind);
    CHECK(a->used == b->used);
    CHECK(a->status == b->status);
    CHECK(a->error == b->error);
    CHECK(a->body_got == b->body_got);
    CHECK(a->body_hash == b->body_hash);
    const http_request_t *x = &a->req, *y = &b->req;
    CHECK(x->method == y->method && x->version_minor == y->version_minor);
    CHECK(x->keep_alive == y->keep_alive && x->has_body_len == y->has_body_len);
    CHECK(x->conn_upgrade == y->conn_upgrade && x->upgrade_ws == y->upgrade_ws);
    CHECK(x->content_length == y->content_length);
    CHECK(!strcmp(x->target, y->target) && !strcmp(x->host, y->host));
    CHECK(!strcmp(x->content_type, y->content_type) && !strcmp(x->origin, y->origin));
    CHECK(!strcmp(x->ws_key, y->ws_key) && !strcmp(x->ws_version, y->ws_version));
    CHECK(!strcmp(x->ws_protocol, y->ws_protocol));
    CHECK(!strcmp(x->last_event_id, y->last_event_id) && !strcmp(x->accept, y->accept));
}

/* Parses the stream cut into pieces of the given sizes (cycled), calling on_outcome for
 * every request. sizes == NULL: one piece. */
typedef void (*sink_t)(const outcome_t *o);

static void run(const uint8_t *data, size_t len, const uint8_t *sizes, size_t nsizes, sink_t sink)
{
    static http_parser_t p;
    static outcome_t o;
    size_t pos = 0, start = 0, piece_end = 0, k = 0, calls = 0, nreq = 0;
    int headers_seen = 0;
    http_parser_reset(&p);
    while (pos < len && nreq < MAX_REQS) {
        if (pos == piece_end) {
            size_t sz = sizes ? (nsizes ? (size_t)sizes[k++ % nsizes] + 1 : 1) : len;
            piece_end = pos + sz < len ? pos + sz : len;
        }
        /* every call consumes a byte or changes state; bound the calls to catch a loop */
        CHECK(++calls <= 3 * len + 16);
        size_t avail = piece_end - pos, used = (size_t)-1;
        http_parse_result_t r = http_parser_feed(&p, data + pos, avail, &used);
        CHECK(used <= avail);
        pos += used;
        switch (r) {
        case HTTP_PARSE_MORE:
            CHECK(used == avail);
            break;
        case HTTP_PARSE_HEADERS:
            CHECK(!headers_seen); /* once per request, then the body is placed */
            headers_seen = 1;
            CHECK(p.req.content_length > 0 && p.req.content_length <= HTTP_BODY_MAX);
            http_parser_set_body(&p, body, sizeof body);
            break;
        case HTTP_PARSE_DONE:
        case HTTP_PARSE_ERROR:
            snapshot(&o, &p, r == HTTP_PARSE_DONE ? OUT_DONE : OUT_ERROR, pos - start);
            sink(&o);
            nreq++;
            if (r == HTTP_PARSE_ERROR) {
                /* sticky until reset */
                size_t u2 = 1;
                CHECK(http_parser_feed(&p, data + pos, len - pos, &u2) == HTTP_PARSE_ERROR);
                CHECK(u2 == 0);
                return;
            }
            /* a second feed after DONE takes nothing */
            size_t u2 = 1;
            CHECK(http_parser_feed(&p, data + pos, len - pos, &u2) == HTTP_PARSE_DONE);
            CHECK(u2 == 0);
            http_parser_reset(&p);
            headers_seen = 0;
            start = pos;
            break;
        default:
            CHECK(0);
        }
    }
    if (nreq < MAX_REQS) {
        snapshot(&o, &p, OUT_INCOMPLETE, pos - start);
        sink(&o);
    }
}

static void record(const outcome_t *o)
{
    CHECK(nref < MAX_REQS + 1);
    ref[nref++] = *o;
}

static size_t ncmp;
static void compare(const outcome_t *o)
{
    CHECK(ncmp < nref);
    same(&ref[ncmp++], o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t nsizes = data[0] & 7;
    if (size < 1 + nsizes) return 0;
    const uint8_t *sizes = data + 1;
    const uint8_t *stream = data + 1 + nsizes;
    size_t len = size - 1 - nsizes;

    nref = 0;
    run(stream, len, NULL, 0, record);
    ncmp = 0;
    run(stream, len, sizes, nsizes, compare);
    CHECK(ncmp == nref);
    return 0;
}
