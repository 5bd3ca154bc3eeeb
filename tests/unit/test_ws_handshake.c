/* The opening handshake (RFC 6455 §4.2): the accept value (the RFC's own sample), every
 * refusal with its status, origin and subprotocol policy, and the formatted responses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/ws/ws_handshake.h"

static http_request_t good_request(void)
{
    http_request_t r;
    memset(&r, 0, sizeof(r));
    r.method = HTTP_M_GET;
    r.version_minor = 1;
    r.upgrade_ws = 1;
    r.conn_upgrade = 1;
    strcpy(r.target, "/ws/test");
    strcpy(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
    strcpy(r.ws_version, "13");
    return r;
}

static void test_rfc_sample_accept(void **state)
{
    (void)state;
    char acc[WS_ACCEPT_LEN + 1];
    assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc), 0);
    assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /* a second known pair (key of 16 zero bytes... computed by the RFC's formula) */
    assert_int_equal(ws_accept_key("AAAAAAAAAAAAAAAAAAAAAA==", acc), 0);
    assert_int_equal(strlen(acc), 28);
}

static void test_bad_keys(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "dGhlIHNhbXBsZSBub25jZQ",    /* no padding */
        "dGhlIHNhbXBsZSBub25jZQ=",   /* short padding */
        "dGhlIHNhbXBsZSBub25jZQ===", /* long */
        "dGhlIHNhbXBsZSBub25j",      /* 15 bytes */
        "dGhlIHNhbXBsZSBub25jZSE=",  /* 17 bytes */
        "dGhlIHNhbXBsZSBub25j*Q==",  /* not base64 */
        "dGhlIHNhbXBsZSBub2 5jZQ==", /* space inside */
        "dGhlIHNhbXBsZSBub25jZQ==x",
    };
    char acc[WS_ACCEPT_LEN + 1];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ws_accept_key(bad[i], acc) != -1) fail_msg("key '%s' accepted", bad[i]);
        http_request_t r = good_request();
        strcpy(r.ws_key, bad[i]);
        ws_handshake_t hs;
        assert_int_equal(ws_handshake_check(&r, NULL, &hs), 400);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    ws_handshake_t hs;
    http_request_t r = good_request();
    assert_int_equal(ws_handshake_check(&r, NULL, &hs), 101);
    assert_null(hs.protocol);
    r.method = HTTP_M_POST;
    assert_int_equal(ws_handshake_check(&r, NULL, &hs), 405);
    r = good_request();
    r.upgrade_ws = 0;
    assert_int_equal(ws_handshake_check(&r, NULL, &hs), 400);
    r = good_request();
    r.conn_upgrade = 0;
    assert_int_equal(ws_handshake_check(&r, NULL, &hs), 400);
    r = good_request();
    r.version_minor = 0;
    assert_int_equal(ws_handshake_check(&r, NULL, &hs), 400);
    const char *versions[] = {"", "8", "12", "14", "13 ", "130"};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        r = good_request();
        strcpy(r.ws_version, versions[i]);
        assert_int_equal(ws_handshake_check(&r, NULL, &hs), 426);
    }
}

static void test_origin_and_protocols(void **state)
{
    (void)state;
    static const char *const origins[] = {"http://192.168.7.2", "http://localhost:8080"};
    static const char *const protos[] = {"edgeartist.v1", "chat"};
    ws_handshake_policy_t pol = {origins, 2, protos, 2};
    ws_handshake_t hs;
    http_request_t r = good_request();
    assert_int_equal(ws_handshake_check(&r, &pol, &hs), 101); /* no Origin: not a browser */
    strcpy(r.origin, "HTTP://LOCALHOST:8080");
    assert_int_equal(ws_handshake_check(&r, &pol, &hs), 101);
    strcpy(r.origin, "http://evil.example");
    assert_int_equal(ws_handshake_check(&r, &pol, &hs), 403);
    strcpy(r.origin, "http://localhost:80800");
    assert_int_equal(ws_handshake_check(&r, &pol, &hs), 403);
    r = good_request();
    strcpy(r.ws_protocol, "superchat, chat");
    assert_int_equal(ws_handshake_check(&r, &pol, &hs), 101);
    assert_string_equal(hs.protocol, "chat");
    strcpy(r.ws_protocol, "chat,edgeartist.v1");
    ws_handshake_check(&r, &pol, &hs);
    assert_string_equal(hs.protocol, "edgeartist.v1"); /* our preference first */
    strcpy(r.ws_protocol, "Chat, chatty, cha");
    ws_handshake_check(&r, &pol, &hs);
    assert_null(hs.protocol); /* case-sensitive, whole tokens only */
}

static void test_responses(void **state)
{
    (void)state;
    char buf[256];
    ws_handshake_t hs;
    http_request_t r = good_request();
    strcpy(r.ws_protocol, "chat");
    static const char *const protos[] = {"chat"};
    ws_handshake_policy_t pol = {NULL, 0, protos, 1};
    ws_handshake_check(&r, &pol, &hs);
    size_t n = ws_handshake_response(&hs, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    /* The status line first, these four header lines in any order (RFC 9110 §5.3), then the
     * empty line; nothing else but a Content-Length-free head. */
    static const char *const lines[] = {
        "\r\nUpgrade: websocket\r\n", "\r\nConnection: Upgrade\r\n",
        "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
        "\r\nSec-WebSocket-Protocol: chat\r\n"};
    assert_memory_equal(buf, "HTTP/1.1 101 Switching Protocols\r\n", 34);
    size_t want = 32 + 2; /* status line with its CRLF */
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(strstr(buf, lines[i]));
        want += strlen(lines[i]) - 2;
    }
    assert_int_equal(n, want + 2);
    assert_string_equal(buf + n - 4, "\r\n\r\n");
    assert_int_equal(ws_handshake_response(&hs, buf, 20), 0); /* too small: refused */

    strcpy(r.ws_version, "8");
    ws_handshake_check(&r, &pol, &hs);
    n = ws_handshake_response(&hs, buf, sizeof(buf));
    assert_true(n > 0);
    assert_non_null(strstr(buf, "HTTP/1.1 426 Upgrade Required\r\n"));
    assert_non_null(strstr(buf, "\r\nSec-WebSocket-Version: 13\r\n"));
    const char *body = strstr(buf, "\r\n\r\n") + 4;
    char cl[48];
    snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(buf, cl));
    assert_non_null(strstr(body, "\"code\":\"upgrade_required\""));

    r = good_request();
    strcpy(r.ws_key, "short");
    ws_handshake_check(&r, &pol, &hs);
    n = ws_handshake_response(&hs, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 400 Bad Request\r\n"));
    assert_null(strstr(buf, "Sec-WebSocket-Accept"));
    body = strstr(buf, "\r\n\r\n") + 4;
    snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(buf, cl));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_sample_accept), cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_refusals),          cmocka_unit_test(test_origin_and_protocols),
        cmocka_unit_test(test_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
