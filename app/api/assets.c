/* GET of a static asset: the representation the client accepts, revalidated by ETag. */
#include "app/api/assets.h"

#include <stdio.h>
#include <string.h>

const web_asset_t *asset_find(const char *path, size_t len)
{
    for (unsigned i = 0; i < web_assets_count; i++) {
        const char *p = web_assets[i].path;
        if (strlen(p) == len && memcmp(p, path, len) == 0) return &web_assets[i];
    }
    return NULL;
}

void asset_serve(conn_t *c, const http_request_t *req, const web_asset_t *a)
{
    int gz = http_accepts_gzip(req->accept_encoding);
    const char *tag = gz ? a->etag_gz : a->etag_plain;
    char hdr[160];
    /* no-cache, not no-store: the browser keeps the copy and asks with If-None-Match each
     * time, so a new firmware's pages show at once and an unchanged page costs a 304. */
    int n = snprintf(hdr, sizeof hdr,
                     "ETag: %s\r\nCache-Control: no-cache\r\nVary: Accept-Encoding\r\n", tag);
    if (req->if_none_match[0] && http_etag_matches(req->if_none_match, tag)) {
        http_reply(c, 304, NULL, NULL, 0, HTTP_BODY_STATIC, hdr);
        return;
    }
    if (gz) snprintf(hdr + n, sizeof hdr - (size_t)n, "Content-Encoding: gzip\r\n");
    if (gz)
        http_reply(c, 200, a->content_type, a->gz, a->gz_len, HTTP_BODY_STATIC, hdr);
    else
        http_reply(c, 200, a->content_type, a->plain, a->plain_len, HTTP_BODY_STATIC, hdr);
}
