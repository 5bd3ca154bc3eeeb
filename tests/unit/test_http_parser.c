/* Unit tests of the incremental HTTP/1.1 request parser: valid requests, every split
 * point, pipelining, and each malformed case with its status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/http/http_parser.h"

/* Everything a parse produces, so that two parses can be compared. */
typedef struct {
    http_parse_result_t r;
    size_t used; /* bytes consumed in all */
    int headers_seen;
    http_parser_t p;
    uint8_t body[HTTP_BODY_MAX];
} outcome_t;

static outcome_t out_a, out_b; /* large: keep them off the stack */

/* Feeds data cut at the given offsets (ascending), placing the body when asked, until the
 * request is DONE, fails, or the data runs out. */
static void parse_cuts(const char *data, size_t len, const size_t *cuts, size_t ncuts, outcome_t *o)
{
    memset(o, 0, sizeof *o);
    http_parser_reset(&o->p);
    size_t start = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        while (start < end) {
            size_t used = 99999;
            o->r = http_parser_feed(&o->p, (const uint8_t *)data + start, end - start, &used);
            assert_true(used <= end - start);
            start += used;
            o->used = start;
            if (o->r == HTTP_PARSE_HEADERS) {
                assert_int_equal(o->headers_seen, 0);
                o->headers_seen = 1;
                http_parser_set_body(&o->p, o->body, sizeof o->body);
                continue;
            }
            if (o->r == HTTP_PARSE_DONE || o->r == HTTP_PARSE_ERROR) return;
            assert_int_equal(o->r, HTTP_PARSE_MORE);
            assert_int_equal(start, end);
        }
    }
}

static void parse_whole(const char *data, size_t len, outcome_t *o)
{
    parse_cuts(data, len, NULL, 0, o);
}

static void assert_same(const outcome_t *a, const outcome_t *b)
{
    assert_int_equal(a->r, b->r);
    assert_int_equal(a->used, b->used);
    assert_int_equal(a->headers_seen, b->headers_seen);
    assert_int_equal(a->p.status, b->p.status);
    if (a->p.error || b->p.error) {
        assert_non_null(a->p.error);
        assert_non_null(b->p.error);
        assert_string_equal(a->p.error, b->p.error);
    }
    const http_request_t *x = &a->p.req, *y = &b->p.req;
    assert_int_equal(x->method, y->method);
    assert_int_equal(x->version_minor, y->version_minor);
    assert_int_equal(x->keep_alive, y->keep_alive);
    assert_int_equal(x->has_body_len, y->has_body_len);
    assert_int_equal(x->conn_upgrade, y->conn_upgrade);
    assert_int_equal(x->upgrade_ws, y->upgrade_ws);
    assert_int_equal(x->content_length, y->content_length);
    assert_string_equal(x->target, y->target);
    assert_string_equal(x->host, y->host);
    assert_string_equal(x->content_type, y->content_type);
    assert_string_equal(x->origin, y->origin);
    assert_string_equal(x->ws_key, y->ws_key);
    assert_string_equal(x->ws_version, y->ws_version);
    assert_string_equal(x->ws_protocol, y->ws_protocol);
    assert_string_equal(x->last_event_id, y->last_event_id);
    assert_string_equal(x->accept, y->accept);
    if (a->r == HTTP_PARSE_DONE)
        assert_memory_equal(a->body, b->body, x->content_length ? x->content_length : 1);
}

/* Parses s in one piece and expects DONE having consumed all of it. */
static const http_request_t *parse_ok(const char *s)
{
    parse_whole(s, strlen(s), &out_a);
    if (out_a.r != HTTP_PARSE_DONE)
        print_error("status %u (%s) for: %s\n", out_a.p.status, out_a.p.error ? out_a.p.error : "-",
                    s);
    assert_int_equal(out_a.r, HTTP_PARSE_DONE);
    assert_int_equal(out_a.used, strlen(s));
    return &out_a.p.req;
}

/* Parses s in one piece and byte by byte, and expects the same error both ways. */
static void expect_status(const char *s, size_t len, uint16_t status)
{
    parse_whole(s, len, &out_a);
    if (out_a.r != HTTP_PARSE_ERROR || out_a.p.status != status)
        print_error("expected %u, got result %d status %u (%s) for: %.*s\n", status, out_a.r,
                    out_a.p.status, out_a.p.error ? out_a.p.error : "-", (int)len, s);
    assert_int_equal(out_a.r, HTTP_PARSE_ERROR);
    assert_int_equal(out_a.p.status, status);
    assert_non_null(out_a.p.error);
    assert_true(strlen(out_a.p.error) > 0);

    static size_t cuts[8192];
    assert_true(len <= sizeof cuts / sizeof cuts[0]);
    for (size_t i = 0; i + 1 < len; i++)
        cuts[i] = i + 1;
    parse_cuts(s, len, cuts, len ? len - 1 : 0, &out_b);
    assert_same(&out_a, &out_b);
}

#define EXPECT(lit, status) expect_status(lit, sizeof(lit) - 1, status)

/* ---- valid requests --------------------------------------------------------------- */

static void test_simple_get(void **state)
{
    (void)state;
    const http_request_t *r = parse_ok("GET /api/health HTTP/1.1\r\nHost: 192.168.7.2\r\n"
                                       "Accept: application/json\r\nUser-Agent: t/1\r\n\r\n");
    assert_int_equal(r->method, HTTP_M_GET);
    assert_int_equal(r->version_minor, 1);
    assert_int_equal(r->keep_alive, 1);
    assert_int_equal(r->has_body_len, 0);
    assert_int_equal(r->content_length, 0);
    assert_string_equal(r->target, "/api/health");
    assert_string_equal(r->host, "192.168.7.2");
    assert_string_equal(r->accept, "application/json");
    assert_int_equal(out_a.headers_seen, 0);
}

static void test_methods(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        http_method_t m;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_GET},
        {"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_HEAD},
        {"POST / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_POST},
        {"PUT / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_PUT},
        {"DELETE /api/jobs/x HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_DELETE},
        {"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_OPTIONS},
        {"OPTIONS /api HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_OPTIONS},
        {"PATCH / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_M_PATCH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(parse_ok(cases[i].req)->method, cases[i].m);
}

static void test_post_with_body(void **state)
{
    (void)state;
    const char *s = "POST /api/generate HTTP/1.1\r\nHost: h\r\n"
                    "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n"
                    "{\"prompt\":\"red\"}\n";
    http_parser_t p;
    uint8_t body[64];
    size_t used;
    size_t hlen = strlen(s) - 17;
    http_parser_reset(&p);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s, strlen(s), &used),
                     HTTP_PARSE_HEADERS);
    assert_int_equal(used, hlen);
    assert_int_equal(p.req.content_length, 17);
    assert_int_equal(p.req.has_body_len, 1);
    assert_string_equal(p.req.content_type, "application/json");
    /* without a body buffer the parser waits and consumes nothing */
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s + used, 17, &used),
                     HTTP_PARSE_HEADERS);
    assert_int_equal(used, 0);
    http_parser_set_body(&p, body, sizeof body);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s + hlen, 5, &used), HTTP_PARSE_MORE);
    assert_int_equal(used, 5);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s + hlen + 5, 12, &used),
                     HTTP_PARSE_DONE);
    assert_int_equal(used, 12);
    assert_memory_equal(http_parser_body(&p), "{\"prompt\":\"red\"}\n", 17);
    /* once DONE, nothing more is taken until reset */
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)"GET", 3, &used), HTTP_PARSE_DONE);
    assert_int_equal(used, 0);
}

static void test_body_buffer_too_small(void **state)
{
    (void)state;
    const char *s = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789";
    http_parser_t p;
    uint8_t body[4];
    size_t used;
    http_parser_reset(&p);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s, strlen(s), &used),
                     HTTP_PARSE_HEADERS);
    http_parser_set_body(&p, body, sizeof body);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)s + used, 10, &used), HTTP_PARSE_ERROR);
    assert_int_equal(p.status, 413);
}

static void test_content_length_zero(void **state)
{
    (void)state;
    const http_request_t *r =
        parse_ok("POST /api/warmup HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(r->has_body_len, 1);
    assert_int_equal(r->content_length, 0);
    assert_int_equal(out_a.headers_seen, 0); /* DONE straight away: no body to place */
}

static void test_body_max(void **state)
{
    (void)state;
    static char s[HTTP_BODY_MAX + 128];
    int n = snprintf(s, sizeof s, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n",
                     HTTP_BODY_MAX);
    memset(s + n, 'x', HTTP_BODY_MAX);
    parse_whole(s, (size_t)n + HTTP_BODY_MAX, &out_a);
    assert_int_equal(out_a.r, HTTP_PARSE_DONE);
    assert_int_equal(out_a.used, (size_t)n + HTTP_BODY_MAX);
    assert_int_equal(out_a.body[HTTP_BODY_MAX - 1], 'x');

    /* one more is refused once the header is read, before any body byte */
    n = snprintf(s, sizeof s, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n",
                 HTTP_BODY_MAX + 1);
    memset(s + n, 'x', 16);
    parse_whole(s, (size_t)n + 16, &out_a);
    assert_int_equal(out_a.r, HTTP_PARSE_ERROR);
    assert_int_equal(out_a.p.status, 413);
    assert_true(out_a.used < (size_t)n);
}

static void test_keep_alive_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("GET / HTTP/1.1\r\nHost: h\r\n\r\n")->keep_alive, 1);
    assert_int_equal(parse_ok("GET / HTTP/1.0\r\n\r\n")->keep_alive, 0);
    assert_int_equal(parse_ok("GET / HTTP/1.0\r\n\r\n")->version_minor, 0);
    assert_int_equal(parse_ok("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")->keep_alive, 1);
    assert_int_equal(parse_ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")->keep_alive, 1);
    assert_int_equal(parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")->keep_alive,
                     0);
    assert_int_equal(parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: CLOSE\r\n\r\n")->keep_alive,
                     0);
    assert_int_equal(parse_ok("GET / HTTP/1.0\r\nConnection: close\r\n\r\n")->keep_alive, 0);
}

static void test_connection_lists(void **state)
{
    (void)state;
    const http_request_t *r;
    r = parse_ok("GET / HTTP/1.0\r\nConnection: TE, keep-alive\r\n\r\n");
    assert_int_equal(r->keep_alive, 1);
    assert_int_equal(r->conn_upgrade, 0);
    /* close wins over keep-alive */
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive ,close\r\n\r\n");
    assert_int_equal(r->keep_alive, 0);
    /* tokens may come from several lines */
    r = parse_ok(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: Close\r\n\r\n");
    assert_int_equal(r->keep_alive, 0);
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n\r\n");
    assert_int_equal(r->conn_upgrade, 1);
    assert_int_equal(r->keep_alive, 1);
    /* substrings are not tokens */
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed, upgrades, x-close\r\n\r\n");
    assert_int_equal(r->keep_alive, 1);
    assert_int_equal(r->conn_upgrade, 0);
    /* empty list elements are allowed */
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: ,, upgrade ,\r\n\r\n");
    assert_int_equal(r->conn_upgrade, 1);
    /* a token longer than any we know matches nothing */
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: "
                 "closeclosecloseclosecloseclose\r\n\r\n");
    assert_int_equal(r->keep_alive, 1);
}

static void test_websocket_upgrade(void **state)
{
    (void)state;
    const http_request_t *r = parse_ok("GET /ws HTTP/1.1\r\n"
                                       "Host: 127.0.0.1:8080\r\n"
                                       "Connection: Upgrade\r\n"
                                       "Upgrade: WebSocket\r\n"
                                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                       "Sec-WebSocket-Version: 13\r\n"
                                       "Sec-WebSocket-Protocol: chat, superchat\r\n"
                                       "Origin: http://127.0.0.1:8080\r\n\r\n");
    assert_int_equal(r->conn_upgrade, 1);
    assert_int_equal(r->upgrade_ws, 1);
    assert_string_equal(r->ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
    assert_string_equal(r->ws_version, "13");
    assert_string_equal(r->ws_protocol, "chat, superchat");
    assert_string_equal(r->origin, "http://127.0.0.1:8080");

    r = parse_ok("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: h2c, websocket\r\n\r\n");
    assert_int_equal(r->upgrade_ws, 1);
    assert_int_equal(r->conn_upgrade, 0);
    r = parse_ok("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websockets\r\n\r\n");
    assert_int_equal(r->upgrade_ws, 0);

    /* a list header on several lines is joined */
    r = parse_ok("GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Protocol: a\r\n"
                 "Sec-WebSocket-Protocol:\r\nSec-WebSocket-Protocol:  b \r\n\r\n");
    assert_string_equal(r->ws_protocol, "a, b");
}

static void test_header_names_and_values(void **state)
{
    (void)state;
    const http_request_t *r;
    r = parse_ok("GET / HTTP/1.1\r\nhOsT:example.com\r\nCONTENT-type: \t text/plain \t\r\n"
                 "last-event-id: 42\r\nX-Very-Long-Header-Name-That-We-Do-Not-Keep-At-All: v\r\n"
                 "X-Empty:\r\nX-Obs-Text: caf\xc3\xa9\r\n\r\n");
    assert_string_equal(r->host, "example.com");
    assert_string_equal(r->content_type, "text/plain");
    assert_string_equal(r->last_event_id, "42");
    /* inner whitespace is kept, only the ends are trimmed */
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nAccept: text/html,  application/json\r\n\r\n");
    assert_string_equal(r->accept, "text/html,  application/json");
}

static void test_truncated_values(void **state)
{
    (void)state;
    char s[512];
    char longv[200];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: h\r\nAccept: %s\r\n\r\n", longv);
    const http_request_t *r = parse_ok(s);
    assert_int_equal(strlen(r->accept), sizeof r->accept - 1);

    /* a Sec-WebSocket-Key that does not fit is an error, not a silently wrong key */
    snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: %.40s\r\n\r\n", longv);
    expect_status(s, strlen(s), 400);
    /* ...but trailing blanks past the capacity are not a truncation */
    snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: %.31s      \r\n\r\n",
             longv);
    assert_int_equal(strlen(parse_ok(s)->ws_key), 31);
}

static void test_bare_lf_and_leading_empty_lines(void **state)
{
    (void)state;
    const http_request_t *r = parse_ok("GET /a HTTP/1.1\nHost: h\nConnection: close\n\n");
    assert_string_equal(r->target, "/a");
    assert_int_equal(r->keep_alive, 0);
    r = parse_ok("\r\n\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_string_equal(r->target, "/b");
}

static void test_content_length_forms(void **state)
{
    (void)state;
    assert_int_equal(
        parse_ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0003\r\n\r\nabc")->content_length,
        3);
    /* identical duplicates, as separate lines or a list, are one value (RFC 9112 6.3) */
    assert_int_equal(parse_ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                              "content-length: 3\r\n\r\nabc")
                         ->content_length,
                     3);
    assert_int_equal(
        parse_ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3 , 3\r\n\r\nabc")->content_length,
        3);
}

static void test_limits_exact(void **state)
{
    (void)state;
    static char s[HTTP_HEADER_MAX + 64];
    /* a target of exactly HTTP_TARGET_MAX - 1 bytes fits */
    int n = snprintf(s, sizeof s, "GET /");
    memset(s + n, 't', HTTP_TARGET_MAX - 2);
    n += HTTP_TARGET_MAX - 2;
    n += snprintf(s + n, sizeof s - (size_t)n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    const http_request_t *r = parse_ok(s);
    assert_int_equal(strlen(r->target), HTTP_TARGET_MAX - 1);

    /* a head of exactly HTTP_HEADER_MAX bytes fits, one more is 431 */
    const char *pre = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
    size_t fixed = strlen(pre) + 4; /* "\r\n\r\n" */
    n = snprintf(s, sizeof s, "%s", pre);
    memset(s + n, 'p', HTTP_HEADER_MAX - fixed);
    n += (int)(HTTP_HEADER_MAX - fixed);
    n += snprintf(s + n, sizeof s - (size_t)n, "\r\n\r\n");
    assert_int_equal(n, HTTP_HEADER_MAX);
    parse_ok(s);

    n = snprintf(s, sizeof s, "%s", pre);
    memset(s + n, 'p', HTTP_HEADER_MAX - fixed + 1);
    n += (int)(HTTP_HEADER_MAX - fixed + 1);
    n += snprintf(s + n, sizeof s - (size_t)n, "\r\n\r\n");
    expect_status(s, (size_t)n, 431);
}

/* ---- split points and pipelining -------------------------------------------------- */

static const char *const split_cases[] = {
    "GET /api/jobs/0123456789abcdef?after=3&x=%41+b HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\nAccept: text/event-stream\r\nLast-Event-ID: 7\r\n"
    "Connection: keep-alive, Upgrade\r\nUser-Agent: curl/8\r\n\r\n",
    "POST /api/generate HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    "Content-Length: 46\r\nConnection: close\r\n\r\n"
    "{\"prompt\":\"a red circle\",\"num_inference_steps\"",
    "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b\r\nOrigin: http://x\r\n\r\n",
    "\r\nGET / HTTP/1.0\nConnection: keep-alive\n\n",
    /* malformed ones must fail identically at every split too */
    "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "BREW /pot HTTP/1.1\r\n\r\n",
};

static void test_every_split_point(void **state)
{
    (void)state;
    static size_t cuts[1024];
    for (size_t c = 0; c < sizeof split_cases / sizeof split_cases[0]; c++) {
        const char *s = split_cases[c];
        size_t len = strlen(s);
        parse_whole(s, len, &out_a);
        assert_true(out_a.r == HTTP_PARSE_DONE || out_a.r == HTTP_PARSE_ERROR);
        if (c < 4) assert_int_equal(out_a.r, HTTP_PARSE_DONE);
        /* two pieces, cut at every offset */
        for (size_t i = 1; i < len; i++) {
            cuts[0] = i;
            parse_cuts(s, len, cuts, 1, &out_b);
            assert_same(&out_a, &out_b);
        }
        /* three pieces, cut at every pair of offsets a few bytes apart */
        for (size_t i = 1; i + 3 < len; i++) {
            cuts[0] = i;
            cuts[1] = i + 3;
            parse_cuts(s, len, cuts, 2, &out_b);
            assert_same(&out_a, &out_b);
        }
        /* byte by byte */
        for (size_t i = 0; i + 1 < len; i++)
            cuts[i] = i + 1;
        parse_cuts(s, len, cuts, len - 1, &out_b);
        assert_same(&out_a, &out_b);
    }
}

static void test_pipelined(void **state)
{
    (void)state;
    const char *s = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                    "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
                    "GET /c?q=1 HTTP/1.0\r\n\r\n"
                    "GET /d HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *targets[] = {"/a", "/b", "/c?q=1", "/d"};
    size_t len = strlen(s);

    /* whole buffer: each request stops exactly at its end */
    size_t off = 0;
    for (int k = 0; k < 4; k++) {
        parse_whole(s + off, len - off, &out_a);
        assert_int_equal(out_a.r, HTTP_PARSE_DONE);
        assert_string_equal(out_a.p.req.target, targets[k]);
        if (k == 1) assert_memory_equal(out_a.body, "body", 4);
        off += out_a.used;
        assert_true(off == len || s[off] == 'G' || s[off] == 'P');
    }
    assert_int_equal(off, len);

    /* byte by byte, with reset between requests, gives the same boundaries */
    http_parser_t p;
    uint8_t body[16];
    http_parser_reset(&p);
    int k = 0;
    for (size_t i = 0; i < len;) {
        size_t used;
        http_parse_result_t r = http_parser_feed(&p, (const uint8_t *)s + i, 1, &used);
        i += used;
        if (r == HTTP_PARSE_HEADERS) {
            http_parser_set_body(&p, body, sizeof body);
        } else if (r == HTTP_PARSE_DONE) {
            assert_string_equal(p.req.target, targets[k]);
            k++;
            http_parser_reset(&p);
        } else {
            assert_int_equal(r, HTTP_PARSE_MORE);
            assert_int_equal(used, 1);
        }
    }
    assert_int_equal(k, 4);
}

/* ---- malformed requests ----------------------------------------------------------- */

static void test_bad_request_line(void **state)
{
    (void)state;
    EXPECT("GET\r\n\r\n", 400);
    EXPECT("GET /\r\n\r\n", 400);
    EXPECT("GET / \r\n\r\n", 400);
    EXPECT(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET api HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\rHost: h\r\n\r\n", 400);
    EXPECT("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / http/1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1HTTP/1.1HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

static void test_bad_version(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
    EXPECT("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505);
    EXPECT("GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505);
    EXPECT("GET / HTTP/3\r\nHost: h\r\n\r\n", 505);
    EXPECT("GET / HTTP/10.0\r\nHost: h\r\n\r\n", 505);
}

static void test_unknown_method(void **state)
{
    (void)state;
    EXPECT("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    EXPECT("get / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    EXPECT("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    EXPECT("GETGETGETGETGETGETGETGET / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    EXPECT("OPTIONSX / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
}

static void test_bad_headers(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/1.1\r\nHost h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHo st: h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX\x01: v\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX: a\x1b[0m\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", 400);
    /* missing or repeated Host (RFC 9112 3.2) */
    EXPECT("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    /* a second value for a single-valued header is ambiguous */
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: a\r\nSec-WebSocket-Key: b\r\n\r\n",
           400);
}

static void test_obs_fold(void **state)
{
    (void)state;
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n", 400);
    EXPECT("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400);
}

static void test_bad_content_length(void **state)
{
    (void)state;
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ,5\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", 400);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: \r\n\r\n", 400);
    /* large numbers are refused as too large, and never wrap around */
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4097\r\n\r\n", 413);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4294967296\r\n\r\n", 413);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 413);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551621\r\n\r\n", 413);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
    EXPECT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ntransfer-encoding: gzip, "
           "chunked\r\n\r\nabc",
           501);
    assert_non_null(strstr(out_a.p.error, "Transfer-Encoding"));
    assert_non_null(strstr(out_a.p.error, "Content-Length"));
}

static void test_too_large(void **state)
{
    (void)state;
    static char s[HTTP_HEADER_MAX * 2];
    int n;
    /* one huge header */
    n = snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: h\r\nCookie: ");
    memset(s + n, 'c', 3000);
    n += 3000;
    n += snprintf(s + n, sizeof s - (size_t)n, "\r\n\r\n");
    expect_status(s, (size_t)n, 431);
    assert_true(out_a.used <= HTTP_HEADER_MAX);
    /* many small ones */
    n = snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 200; i++)
        n += snprintf(s + n, sizeof s - (size_t)n, "X-H%03d: v\r\n", i);
    n += snprintf(s + n, sizeof s - (size_t)n, "\r\n");
    expect_status(s, (size_t)n, 431);
    /* endless empty lines before a request */
    memset(s, '\n', 3000);
    expect_status(s, 3000, 431);
    /* an overlong target is 414, not 431 */
    n = snprintf(s, sizeof s, "GET /");
    memset(s + n, 'a', HTTP_TARGET_MAX);
    n += HTTP_TARGET_MAX;
    n += snprintf(s + n, sizeof s - (size_t)n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    expect_status(s, (size_t)n, 414);
    n = snprintf(s, sizeof s, "GET /");
    memset(s + n, 'a', HTTP_TARGET_MAX - 1);
    n += HTTP_TARGET_MAX - 1;
    n += snprintf(s + n, sizeof s - (size_t)n, " HTTP/1.1\r\nHost: h\r\n\r\n");
    expect_status(s, (size_t)n, 414);
}

static void test_error_is_sticky(void **state)
{
    (void)state;
    http_parser_t p;
    size_t used;
    http_parser_reset(&p);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)"XYZ( / ", 7, &used), HTTP_PARSE_ERROR);
    assert_int_equal(used, 4);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &used),
                     HTTP_PARSE_ERROR);
    assert_int_equal(used, 0);
    assert_int_equal(p.status, 400);
    /* reset makes it usable again */
    http_parser_reset(&p);
    assert_int_equal(http_parser_feed(&p, (const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18, &used),
                     HTTP_PARSE_DONE);
    assert_int_equal(http_parser_feed(&p, NULL, 0, &used), HTTP_PARSE_DONE);
    assert_int_equal(used, 0);
}

/* ---- target helpers --------------------------------------------------------------- */

static void test_target_path_len(void **state)
{
    (void)state;
    assert_int_equal(http_target_path_len("/api/jobs/ab12?after=3"), 14);
    assert_int_equal(http_target_path_len("/api/health"), 11);
    assert_int_equal(http_target_path_len("/?"), 1);
    assert_int_equal(http_target_path_len(""), 0);
}

static void test_query_param(void **state)
{
    (void)state;
    const char *t = "/x?a=1&b=hello+world&c=%41%2f%e2%82%ac&d&e=&ab=9&%61%62c=k&z=%zz&n=%00";
    char out[32];
    assert_int_equal(http_query_param(t, "a", out, sizeof out), 1);
    assert_string_equal(out, "1");
    assert_int_equal(http_query_param(t, "b", out, sizeof out), 11);
    assert_string_equal(out, "hello world");
    assert_int_equal(http_query_param(t, "c", out, sizeof out), 5);
    assert_string_equal(out, "A/\xe2\x82\xac");
    assert_int_equal(http_query_param(t, "d", out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(http_query_param(t, "e", out, sizeof out), 0);
    assert_int_equal(http_query_param(t, "ab", out, sizeof out), 1);
    assert_string_equal(out, "9");
    assert_int_equal(http_query_param(t, "abc", out, sizeof out), 1); /* key decoded too */
    assert_string_equal(out, "k");
    assert_int_equal(http_query_param(t, "missing", out, sizeof out), -1);
    assert_int_equal(http_query_param(t, "z", out, sizeof out), -1); /* malformed escape */
    assert_int_equal(http_query_param(t, "n", out, sizeof out), -1); /* NUL byte */
    assert_int_equal(http_query_param(t, "", out, sizeof out), -1);
    /* the first occurrence wins */
    assert_int_equal(http_query_param("/x?after=3&after=4", "after", out, sizeof out), 1);
    assert_string_equal(out, "3");
    /* capacity: the value and its NUL must fit */
    assert_int_equal(http_query_param("/x?k=abcd", "k", out, 5), 4);
    assert_int_equal(http_query_param("/x?k=abcd", "k", out, 4), -1);
    assert_int_equal(http_query_param("/x?k=abcd", "k", out, 0), -1);
    /* no query, or a key in the path, is absent */
    assert_int_equal(http_query_param("/x", "x", out, sizeof out), -1);
    assert_int_equal(http_query_param("/a=1?", "a", out, sizeof out), -1);
    assert_int_equal(http_query_param("/x?&&a=2", "a", out, sizeof out), 1);
}

/* The caching headers of static assets are kept, joined when split over lines. */
static void test_asset_headers(void **state)
{
    (void)state;
    const http_request_t *r =
        parse_ok("GET /app.js HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip, deflate, br\r\n"
                 "If-None-Match: \"abc\"\r\nif-none-match: W/\"def\"\r\n\r\n");
    assert_string_equal(r->accept_encoding, "gzip, deflate, br");
    assert_string_equal(r->if_none_match, "\"abc\", W/\"def\"");
    r = parse_ok("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_string_equal(r->accept_encoding, "");
    assert_string_equal(r->if_none_match, "");
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    assert_true(http_accepts_gzip("gzip"));
    assert_true(http_accepts_gzip("deflate, GZIP;q=0.5, br"));
    assert_true(http_accepts_gzip("x-gzip"));
    assert_true(http_accepts_gzip("br;q=1.0, *;q=0.1"));
    assert_true(http_accepts_gzip("gzip ; q=1"));
    /* no header: identity only (RFC 9110 12.5.3) */
    assert_false(http_accepts_gzip(""));
    assert_false(http_accepts_gzip("identity"));
    assert_false(http_accepts_gzip("deflate, br"));
    /* q=0 is a refusal, in every spelling, and beats "*" */
    assert_false(http_accepts_gzip("gzip;q=0"));
    assert_false(http_accepts_gzip("gzip;q=0.000, br"));
    assert_false(http_accepts_gzip("*, gzip;Q=0."));
    assert_false(http_accepts_gzip("*;q=0"));
    /* other parameters are skipped, wherever they are */
    assert_true(http_accepts_gzip("gzip;level=1"));
    assert_false(http_accepts_gzip("gzip;level=1;q=0"));
    assert_true(http_accepts_gzip("br;x=1;q=0, gzip;foo=bar;q=0.3"));
    assert_true(http_accepts_gzip("gzip;=;;= ;q"));
    /* a coding whose name only starts with gzip is another coding */
    assert_false(http_accepts_gzip("gzipx, gzi"));
}

static void test_etag_matches(void **state)
{
    (void)state;
    const char *tag = "\"0123abcd\"";
    assert_true(http_etag_matches("\"0123abcd\"", tag));
    assert_true(http_etag_matches("W/\"0123abcd\"", tag)); /* weak comparison */
    assert_true(http_etag_matches("\"x\", \"0123abcd\"", tag));
    assert_true(http_etag_matches("*", tag));
    assert_true(http_etag_matches("\"a,b\",\"0123abcd\"", tag)); /* a comma inside a tag */
    assert_false(http_etag_matches("", tag));
    assert_false(http_etag_matches("\"0123abcde\"", tag));
    assert_false(http_etag_matches("\"0123abc\"", tag));
    assert_false(http_etag_matches("0123abcd", tag)); /* unquoted is not the same tag */
    assert_false(http_etag_matches("\"a,\"0123abcd\"", tag));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_post_with_body),
        cmocka_unit_test(test_body_buffer_too_small),
        cmocka_unit_test(test_content_length_zero),
        cmocka_unit_test(test_body_max),
        cmocka_unit_test(test_keep_alive_defaults),
        cmocka_unit_test(test_connection_lists),
        cmocka_unit_test(test_websocket_upgrade),
        cmocka_unit_test(test_header_names_and_values),
        cmocka_unit_test(test_truncated_values),
        cmocka_unit_test(test_bare_lf_and_leading_empty_lines),
        cmocka_unit_test(test_content_length_forms),
        cmocka_unit_test(test_limits_exact),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_bad_request_line),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_unknown_method),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_obs_fold),
        cmocka_unit_test(test_bad_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_error_is_sticky),
        cmocka_unit_test(test_target_path_len),
        cmocka_unit_test(test_query_param),
        cmocka_unit_test(test_asset_headers),
        cmocka_unit_test(test_accepts_gzip),
        cmocka_unit_test(test_etag_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
