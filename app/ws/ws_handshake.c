#include "app/ws/ws_handshake.h"

#include <stdbool.h>
#include <string.h>

#include "app/http/http_response.h"
#include "app/util/sink.h"
#include "mbedtls/base64.h"
#include "mbedtls/sha1.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, const char *b)
{
    while (*a && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    /* 16 bytes in base64 are exactly 22 symbols and "==". Checking the shape first keeps
     * the decoder from accepting what it tolerates (white space, line breaks). */
    size_t n = strlen(key);
    if (n != 24 || key[22] != '=' || key[23] != '=') return -1;
    for (size_t i = 0; i < 22; i++)
        if (!is_b64(key[i])) return -1;
    unsigned char raw[18];
    size_t raw_len = 0;
    if (mbedtls_base64_decode(raw, sizeof(raw), &raw_len, (const unsigned char *)key, n) != 0 ||
        raw_len != 16)
        return -1;

    unsigned char cat[24 + sizeof(ws_guid) - 1];
    memcpy(cat, key, 24);
    memcpy(cat + 24, ws_guid, sizeof(ws_guid) - 1);
    unsigned char digest[20];
    if (mbedtls_sha1_ret(cat, sizeof(cat), digest) != 0) return -1;
    size_t olen = 0;
    if (mbedtls_base64_encode((unsigned char *)out, WS_ACCEPT_LEN + 1, &olen, digest, 20) != 0 ||
        olen != WS_ACCEPT_LEN)
        return -1;
    out[WS_ACCEPT_LEN] = '\0';
    return 0;
}

/* Is name one of the comma-separated tokens of list (exact match, subprotocol names are
 * case-sensitive)? */
static bool offered(const char *list, const char *name)
{
    size_t nl = strlen(name);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *t = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - t) == nl && nl && memcmp(t, name, nl) == 0) return true;
    }
    return false;
}

static uint16_t refuse(ws_handshake_t *out, uint16_t status, const char *why)
{
    out->status = status;
    out->error = why;
    return status;
}

uint16_t ws_handshake_check(const http_request_t *req, const ws_handshake_policy_t *pol,
                            ws_handshake_t *out)
{
    memset(out, 0, sizeof(*out));
    if (req->method != HTTP_M_GET) return refuse(out, 405, "WebSocket handshake must be GET");
    if (req->version_minor < 1) return refuse(out, 400, "WebSocket needs HTTP/1.1");
    if (!req->upgrade_ws) return refuse(out, 400, "Upgrade: websocket missing");
    if (!req->conn_upgrade) return refuse(out, 400, "Connection: Upgrade missing");
    if (strcmp(req->ws_version, "13") != 0)
        return refuse(out, 426, "Sec-WebSocket-Version must be 13");
    if (ws_accept_key(req->ws_key, out->accept) != 0)
        return refuse(out, 400, "Sec-WebSocket-Key must be 16 bytes in base64");
    if (pol && pol->n_origins && req->origin[0]) {
        bool ok = false;
        for (size_t i = 0; i < pol->n_origins && !ok; i++)
            ok = equal_nocase(req->origin, pol->origins[i]);
        if (!ok) return refuse(out, 403, "Origin not allowed");
    }
    if (pol && req->ws_protocol[0]) {
        for (size_t i = 0; i < pol->n_protocols && !out->protocol; i++)
            if (offered(req->ws_protocol, pol->protocols[i])) out->protocol = pol->protocols[i];
    }
    out->status = 101;
    return 101;
}

static const char *status_line(uint16_t status, const char **code)
{
    switch (status) {
    case 403:
        *code = "forbidden";
        return "403 Forbidden";
    case 405:
        *code = "method_not_allowed";
        return "405 Method Not Allowed";
    case 426:
        *code = "upgrade_required";
        return "426 Upgrade Required";
    default:
        *code = "bad_request";
        return "400 Bad Request";
    }
}

size_t ws_handshake_response(const ws_handshake_t *hs, char *buf, size_t cap)
{
    sink_t s;
    sink_init_cstr(&s, buf, cap);
    if (hs->status == 101) {
        sink_str(&s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: ");
        sink_str(&s, hs->accept);
        if (hs->protocol) {
            sink_str(&s, "\r\nSec-WebSocket-Protocol: ");
            sink_str(&s, hs->protocol);
        }
        sink_str(&s, "\r\n\r\n");
    } else {
        const char *code;
        const char *line = status_line(hs->status, &code);
        http_error_t e = {.status = hs->status,
                          .code = code,
                          .message = hs->error ? hs->error : "bad WebSocket handshake"};
        sink_t body; /* measured first: its length goes into the head */
        sink_init(&body, NULL, 0, 0);
        http_error_body(&body, &e);
        sink_str(&s, "HTTP/1.1 ");
        sink_str(&s, line);
        sink_str(&s, "\r\n");
        if (hs->status == 426) sink_str(&s, "Sec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n");
        if (hs->status == 405) sink_str(&s, "Allow: GET\r\n");
        sink_str(&s, "Content-Type: application/json\r\nConnection: close\r\nContent-Length: ");
        sink_u32(&s, (uint32_t)body.pos);
        sink_str(&s, "\r\n\r\n");
        http_error_body(&s, &e);
    }
    int n = sink_end_cstr(&s);
    return n < 0 ? 0 : (size_t)n;
}
