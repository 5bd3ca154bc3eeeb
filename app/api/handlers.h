/* Every endpoint's handler, one per file under app/api/. */
#ifndef EDGE_API_HANDLERS_H
#define EDGE_API_HANDLERS_H

#include "app/api/router.h"

void api_health(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_index(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_ws_test(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);

#endif
