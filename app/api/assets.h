/* Static assets served from flash: the pages of app/web/ and any file the Makefile lists in
 * WEB_ASSETS (scripts/embed_assets.py generates the table at build time). Each asset is
 * stored twice, gzip (sent when the client accepts it) and plain (for clients that do not):
 * flash is the cheap resource here, and decompressing on the device would need a 32 KB
 * window of RAM. */
#ifndef EDGE_API_ASSETS_H
#define EDGE_API_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "app/http/server.h"

typedef struct {
    const char *path;         /* request path, e.g. "/" */
    const char *content_type; /* from the file's extension */
    const uint8_t *gz;        /* gzip -9n of the file */
    uint32_t gz_len;
    const uint8_t *plain;
    uint32_t plain_len;
    const char *etag_gz; /* strong tags, quoted: one per representation */
    const char *etag_plain;
} web_asset_t;

extern const web_asset_t web_assets[];
extern const unsigned web_assets_count;

/* The asset at this path (the request target's path part, len bytes), or NULL. */
const web_asset_t *asset_find(const char *path, size_t len);

/* Answer a GET or HEAD for an asset: gzip or plain by Accept-Encoding, 304 when
 * If-None-Match names the chosen representation's tag. */
void asset_serve(conn_t *c, const http_request_t *req, const web_asset_t *a);

#endif
