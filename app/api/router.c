#include "app/api/router.h"

#include <string.h>

#include "app/api/assets.h"
#include "app/api/handlers.h"
#include "app/sio/sio_http.h"
#include "app/util/sink.h"

/* Board setting: plain HTTP answers 308 to the same URL over HTTPS (0: off). */
static uint16_t redirect_port;

void api_set_https_redirect(uint16_t https_port)
{
    redirect_port = https_port;
}

/* 308 keeps the method and body, so a POST is repeated over HTTPS, not turned into a GET. */
static void redirect_https(conn_t *c, const http_request_t *req)
{
    /* The Host without its port (a header value the parser checked for CR/LF). */
    size_t hl = 0;
    while (req->host[hl] && req->host[hl] != ':')
        hl++;
    char hdr[sizeof req->host + HTTP_TARGET_MAX + 48];
    sink_t k;
    sink_init_cstr(&k, hdr, sizeof hdr);
    sink_str(&k, "Location: https://");
    if (hl)
        sink_put(&k, req->host, hl);
    else
        sink_str(&k, "edgeartist");
    if (redirect_port != 443) {
        sink_put(&k, ":", 1);
        sink_u32(&k, redirect_port);
    }
    sink_str(&k, req->target);
    sink_str(&k, "\r\n");
    if (sink_end_cstr(&k) < 0) { /* cannot happen: sized for the longest host and target */
        http_reply_error(c, 500, "internal", NULL, "redirect too long", NULL);
        return;
    }
    http_reply_error(c, 308, "use_https", NULL, "this device serves HTTPS", hdr);
}

typedef struct {
    uint8_t method;
    uint8_t prefix; /* path matches when it starts with `path` */
    const char *path;
    api_handler_t fn;
} route_t;

/* GET routes also answer HEAD (the server sends the head only). The pages and other
 * static files are not here: they are the asset table's (app/api/assets.h), looked up
 * first. */
static const route_t routes[] = {
    {HTTP_M_GET, 0, "/api/health", api_health},
    {HTTP_M_GET, 0, "/api/jobs", api_jobs_list},
    {HTTP_M_GET, 0, "/api/vocabulary", api_vocabulary},
    {HTTP_M_GET, 0, "/ws/test", api_ws_test},
    {HTTP_M_GET, 0, "/ws", api_ws},
    {HTTP_M_POST, 0, "/api/generate", api_generate},
    {HTTP_M_POST, 0, "/api/warmup", api_warmup},
    {HTTP_M_GET, 1, "/api/jobs/", api_jobs_get},
    {HTTP_M_DELETE, 1, "/api/jobs/", api_job_delete},
    {HTTP_M_GET, 1, "/api/images/", api_image},
    {HTTP_M_GET, 0, "/api/debug/fanout", api_fanout_get},
    {HTTP_M_DELETE, 0, "/api/debug/fanout", api_fanout_reset},
    {HTTP_M_GET, 0, "/api/debug/gen_profile", api_gen_profile},
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
    if (redirect_port && !conn_wrapped(c)) {
        redirect_https(c, req);
        return;
    }
    size_t plen = http_target_path_len(req->target);
    uint8_t method = req->method == HTTP_M_HEAD ? HTTP_M_GET : req->method;
    char allow[64] = "";
    const web_asset_t *a = asset_find(req->target, plen);
    if (a) {
        if (method == HTTP_M_GET)
            asset_serve(c, req, a);
        else
            http_reply_error(c, 405, "method_not_allowed", NULL, "method not allowed on this path",
                             "Allow: GET, HEAD\r\n");
        return;
    }
    /* Engine.IO answers everything else under its path itself, errors included. */
    if (plen >= 11 && memcmp(req->target, "/socket.io/", 11) == 0) {
        sio_http_handle(c, req, body, body_len);
        return;
    }
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
