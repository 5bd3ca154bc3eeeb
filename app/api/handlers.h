/* Every endpoint's handler, one per file under app/api/. */
#ifndef EDGE_API_HANDLERS_H
#define EDGE_API_HANDLERS_H

#include "app/api/router.h"

void api_health(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_jobs_list(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_vocabulary(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_ws_test(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_ws(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_generate(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_warmup(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_jobs_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_job_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_job_delete(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_image(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_fanout_get(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_fanout_reset(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);
void api_gen_profile(conn_t *c, const http_request_t *req, const uint8_t *body, size_t len);

#include "app/api/job_path.h"
void api_job_events(conn_t *c, const http_request_t *req, const job_path_t *p);

#endif
