/* Unit tests of the HTTP response helpers: heads, reason phrases, error codes, the JSON
 * error body and its escaping, and refusal when the buffer is too small. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/http/http_response.h"

static void test_head_json_keep_alive(void **state)
{
    (void)state;
    char out[256];
    http_head_t h = {
        .status = 200, .keep_alive = 1, .content_type = HTTP_CT_JSON, .content_length = 15};
    int n = http_format_head(out, sizeof out, &h);
    const char *want = "HTTP/1.1 200 OK\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 15\r\n"
                       "Connection: keep-alive\r\n"
                       "Cache-Control: no-store\r\n"
                       "\r\n";
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_head_variants(void **state)
{
    (void)state;
    char out[256];
    /* no type, no length, close, cacheable, an extra header */
    http_head_t h = {.status = 503,
                     .keep_alive = 0,
                     .cacheable = 1,
                     .content_length = -1,
                     .extra_name = "Retry-After",
                     .extra_value = "2"};
    assert_true(http_format_head(out, sizeof out, &h) > 0);
    assert_string_equal(out, "HTTP/1.1 503 Service Unavailable\r\n"
                             "Connection: close\r\n"
                             "Retry-After: 2\r\n"
                             "\r\n");
    /* zero length is written */
    http_head_t z = {.status = 204, .keep_alive = 1, .content_length = 0};
    assert_true(http_format_head(out, sizeof out, &z) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 204 No Content\r\n"));
    assert_non_null(strstr(out, "Content-Length: 0\r\n"));
    /* an unknown status keeps the SP before an empty reason (RFC 9112 4) */
    http_head_t u = {.status = 299, .content_length = -1};
    assert_true(http_format_head(out, sizeof out, &u) > 0);
    assert_non_null(strstr(out, "HTTP/1.1 299 \r\n"));
    /* large lengths */
    http_head_t big = {.status = 200, .content_length = 2147483647};
    assert_true(http_format_head(out, sizeof out, &big) > 0);
    assert_non_null(strstr(out, "Content-Length: 2147483647\r\n"));
}

static void test_head_refuses_injection(void **state)
{
    (void)state;
    char out[256];
    http_head_t h = {.status = 405,
                     .content_length = -1,
                     .extra_name = "Allow",
                     .extra_value = "GET\r\nSet-Cookie: x=1"};
    assert_int_equal(http_format_head(out, sizeof out, &h), -1);
    assert_string_equal(out, "");
    h.extra_value = "GET";
    h.extra_name = "Al:low";
    assert_int_equal(http_format_head(out, sizeof out, &h), -1);
    h.extra_name = "Allow";
    h.content_type = "text/plain\nX: y";
    assert_int_equal(http_format_head(out, sizeof out, &h), -1);
    h.content_type = NULL;
    h.status = 42;
    assert_int_equal(http_format_head(out, sizeof out, &h), -1);
    h.status = 405;
    h.extra_value = NULL; /* a name with no value */
    assert_int_equal(http_format_head(out, sizeof out, &h), -1);
}

static void test_head_too_small(void **state)
{
    (void)state;
    char out[128];
    http_head_t h = {.status = 200, .keep_alive = 1, .content_length = 5};
    int n = http_format_head(out, sizeof out, &h);
    assert_true(n > 0);
    /* exactly enough room (with the NUL) works, one less does not */
    assert_int_equal(http_format_head(out, (size_t)n + 1, &h), n);
    assert_int_equal(http_format_head(out, (size_t)n, &h), -1);
    assert_int_equal(http_format_head(out, 1, &h), -1);
    assert_int_equal(http_format_head(out, 0, &h), -1);
}

static void test_reasons(void **state)
{
    (void)state;
    assert_string_equal(http_reason(200), "OK");
    assert_string_equal(http_reason(101), "Switching Protocols");
    assert_string_equal(http_reason(202), "Accepted");
    assert_string_equal(http_reason(400), "Bad Request");
    assert_string_equal(http_reason(404), "Not Found");
    assert_string_equal(http_reason(405), "Method Not Allowed");
    assert_string_equal(http_reason(408), "Request Timeout");
    assert_string_equal(http_reason(413), "Content Too Large");
    assert_string_equal(http_reason(414), "URI Too Long");
    assert_string_equal(http_reason(415), "Unsupported Media Type");
    assert_string_equal(http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_reason(500), "Internal Server Error");
    assert_string_equal(http_reason(501), "Not Implemented");
    assert_string_equal(http_reason(503), "Service Unavailable");
    assert_string_equal(http_reason(505), "HTTP Version Not Supported");
    assert_string_equal(http_reason(999), "");
}

static void test_error_codes(void **state)
{
    (void)state;
    static const struct {
        unsigned status;
        const char *code;
    } map[] = {
        {400, "bad_request"},
        {404, "not_found"},
        {405, "method_not_allowed"},
        {408, "request_timeout"},
        {413, "payload_too_large"},
        {414, "uri_too_long"},
        {415, "unsupported_media_type"},
        {431, "headers_too_large"},
        {500, "internal"},
        {501, "not_implemented"},
        {503, "unavailable"},
        {505, "http_version_not_supported"},
        {409, "bad_request"},
        {502, "internal"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        assert_string_equal(http_error_code(map[i].status, 0), map[i].code);
    assert_string_equal(http_error_code(400, 1), "invalid_argument");
    assert_string_equal(http_error_code(404, 1), "not_found");
}

static void test_error_body_exact(void **state)
{
    (void)state;
    char out[256];
    http_error_t e = {.status = 400,
                      .field = "num_inference_steps",
                      .message = "must be an integer from 1 to 100"};
    const char *want =
        "{\"error\":{\"code\":\"invalid_argument\",\"field\":\"num_inference_steps\","
        "\"message\":\"must be an integer from 1 to 100\"}}";
    assert_int_equal(http_format_error_body(out, sizeof out, &e), strlen(want));
    assert_string_equal(out, want);

    http_error_t nf = {.status = 404, .message = "no such path"};
    http_format_error_body(out, sizeof out, &nf);
    assert_string_equal(out, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\"}}");

    /* defaults: code from the status, message the reason phrase */
    http_error_t d = {.status = 405};
    http_format_error_body(out, sizeof out, &d);
    assert_string_equal(
        out, "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"Method Not Allowed\"}}");

    /* an explicit code wins */
    http_error_t q = {.status = 503, .code = "queue_full", .message = "the queue is full"};
    http_format_error_body(out, sizeof out, &q);
    assert_string_equal(out,
                        "{\"error\":{\"code\":\"queue_full\",\"message\":\"the queue is full\"}}");
}

static void test_error_body_escapes(void **state)
{
    (void)state;
    char out[256];
    http_error_t e = {.status = 400, .field = "pro\"mpt", .message = "bad \\ value\n"};
    http_format_error_body(out, sizeof out, &e);
    assert_string_equal(out, "{\"error\":{\"code\":\"invalid_argument\",\"field\":\"pro\\\"mpt\","
                             "\"message\":\"bad \\\\ value\\n\"}}");
    /* Bytes that are not UTF-8 cannot make the body invalid JSON (the escaper's own cases are
     * in test_sink.c). */
    http_error_t u = {.status = 400, .message = "bad\xff"};
    http_format_error_body(out, sizeof out, &u);
    assert_string_equal(out,
                        "{\"error\":{\"code\":\"bad_request\",\"message\":\"bad\xef\xbf\xbd\"}}");
}

static void test_full_error_response(void **state)
{
    (void)state;
    char out[512];
    http_error_t e = {.status = 405, .message = "use GET"};
    int n = http_format_error(out, sizeof out, &e, 1, "Allow", "GET, HEAD");
    const char *body = "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"use GET\"}}";
    char want[512];
    size_t wl = 0;
    const char *parts[] = {"HTTP/1.1 405 Method Not Allowed\r\n",
                           "Content-Type: application/json\r\n",
                           "Content-Length: ",
                           "59",
                           "\r\nConnection: keep-alive\r\n",
                           "Cache-Control: no-store\r\n",
                           "Allow: GET, HEAD\r\n\r\n",
                           body};
    assert_int_equal(strlen(body), 59);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        memcpy(want + wl, parts[i], strlen(parts[i]));
        wl += strlen(parts[i]);
    }
    want[wl] = '\0';
    assert_string_equal(out, want);
    assert_int_equal(n, wl);

    /* without an extra header, closing */
    http_error_t t = {.status = 408, .message = "request too slow"};
    n = http_format_error(out, sizeof out, &t, 0, NULL, NULL);
    assert_true(n > 0);
    assert_non_null(strstr(out, "HTTP/1.1 408 Request Timeout\r\n"));
    assert_non_null(strstr(out, "Connection: close\r\n"));
    const char *b = strstr(out, "\r\n\r\n") + 4;
    assert_string_equal(
        b, "{\"error\":{\"code\":\"request_timeout\",\"message\":\"request too slow\"}}");

    /* too small: refused whole, never a cut response */
    assert_int_equal(http_format_error(out, (size_t)n + 1, &t, 0, NULL, NULL), n);
    assert_int_equal(http_format_error(out, (size_t)n, &t, 0, NULL, NULL), -1);
    assert_string_equal(out, "");
    assert_int_equal(http_format_error(out, 40, &t, 0, NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_json_keep_alive),
        cmocka_unit_test(test_head_variants),
        cmocka_unit_test(test_head_refuses_injection),
        cmocka_unit_test(test_head_too_small),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_error_body_exact),
        cmocka_unit_test(test_error_body_escapes),
        cmocka_unit_test(test_full_error_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
