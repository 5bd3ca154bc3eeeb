#include "app/api/router.h"

#include <stdio.h>
#include <string.h>

#include "app/api/handlers.h"
#include "port/altcp_tls3.h"

/* Board setting: plain HTTP answers 308 to the same URL over HTTPS (0: off). */
static uint16_t redirect_port;

void api_set_https_redirect(uint16_t https_port)
{
    redirect_port = https_port;
}

/* 308 keeps the method and body, so a POST is repeated over HTTPS, not turned into a GET. */
static void redirect_https(conn_t *c, const http_request_t *req)
{
    char host[sizeof req->host];
    size_t i = 0;
    for (; req->host[i] && req->host[i] != ':' && i + 1 < sizeof host; i++)
        host[i] = req->host[i];
    host[i] = '\0';
    if (!host[0]) memcpy(host, "edgeartist", sizeof "edgeartist");
    char port[8] = "";
    if (redirect_port != 443) snprintf(port, sizeof port, ":%u", (unsigned)redirect_port);
    char hdr[sizeof host + sizeof port + HTTP_TARGET_MAX + 32];
    snprintf(hdr, sizeof hdr, "Location: https://%s%s%s\r\n", host, port, req->target);
    http_reply_error(c, 308, "use_https", NULL, "this device serves HTTPS", hdr);
}

typedef struct {
    uint8_t method;
    uint8_t prefix; /* path matches when it starts with `path` */
    const char *path;
    api_handler_t fn;
} route_t;

/* GET routes also answer HEAD (the server sends the head only). */
static const route_t routes[] = {
    {HTTP_M_GET, 0, "/", api_index},
    {HTTP_M_GET, 0, "/api/health", api_health},
    {HTTP_M_GET, 0, "/test/websocket", api_index},
    {HTTP_M_GET, 0, "/ws/test", api_ws_test},
    {HTTP_M_GET, 0, "/ws", api_ws},
    {HTTP_M_POST, 0, "/api/generate", api_generate},
    {HTTP_M_POST, 0, "/api/warmup", api_warmup},
    {HTTP_M_GET, 1, "/api/jobs/", api_jobs_get},
    {HTTP_M_DELETE, 1, "/api/jobs/", api_job_delete},
    {HTTP_M_GET, 1, "/api/images/", api_image},
};

static int path_matches(const route_t *r, const char *path, size_t len)
{
    size_t n = strlen(r->path);
    if (r->prefix) return len >= n && memcmp(path, r->path, n) == 0;
    return len == n && memcmp(path, r->path, n) == 0;
}

static const char *method_name(uint8_t m)
{
    switch (m) {
    case HTTP_M_GET:
        return "GET, HEAD";
    case HTTP_M_POST:
        return "POST";
    case HTTP_M_DELETE:
        return "DELETE";
    case HTTP_M_PUT:
        return "PUT";
    default:
        return "";
    }
}

void api_dispatch(conn_t *c, const http_request_t *req, const uint8_t *body, size_t body_len)
{
    if (redirect_port && !tls3_is_tls(c->pcb)) {
        redirect_https(c, req);
        return;
    }
    size_t plen = http_target_path_len(req->target);
    uint8_t method = req->method == HTTP_M_HEAD ? HTTP_M_GET : req->method;
    char allow[64] = "";
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route_t *r = &routes[i];
        if (!path_matches(r, req->target, plen)) continue;
        if (r->method == method) {
            r->fn(c, req, body, body_len);
            return;
        }
        size_t al = strlen(allow);
        const char *m = method_name(r->method);
        if (al + strlen(m) + 3 < sizeof allow)
            memcpy(allow + al, al ? ", " : "", al ? 3 : 1), strcat(allow, m);
    }
    if (allow[0]) {
        char hdr[96];
        size_t n = (size_t)(strlen("Allow: ") + strlen(allow));
        if (n + 3 < sizeof hdr) {
            memcpy(hdr, "Allow: ", 7);
            memcpy(hdr + 7, allow, strlen(allow));
            memcpy(hdr + n, "\r\n", 3);
        }
        http_reply_error(c, 405, "method_not_allowed", NULL, "method not allowed on this path",
                         hdr);
        return;
    }
    http_reply_error(c, 404, "not_found", NULL, "no such path", "");
}
