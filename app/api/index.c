/* GET /: a plain page naming the device and linking its API (the full page comes with the
 * job API). Lives in flash and is sent without a copy. */
#include <string.h>

#include "app/api/handlers.h"

static const char page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>edgeartist</title></head>\n<body>\n<h1>edgeartist</h1>\n"
    "<p>Image generation on the device, with live progress.</p>\n<ul>\n"
    "<li><a href=\"/api/health\">/api/health</a>: status, connections, memory pools</li>\n"
    "</ul>\n</body></html>\n";

void api_index(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len)
{
    (void)req, (void)body, (void)len;
    http_reply(c, 200, "text/html; charset=utf-8", page, sizeof page - 1, HTTP_BODY_STATIC, "");
}
