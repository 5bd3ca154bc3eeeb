/* Incremental HTTP/1.1 request parser. Bytes may arrive split at any point; headers are
 * parsed as they stream in and only the ones the server uses are kept, so a connection
 * carries no header buffer. Pure code: no lwIP, no I/O, no allocation. */
#ifndef EDGE_HTTP_PARSER_H
#define EDGE_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "app/config.h"

typedef enum {
    HTTP_M_UNKNOWN = 0,
    HTTP_M_GET,
    HTTP_M_HEAD,
    HTTP_M_POST,
    HTTP_M_PUT,
    HTTP_M_DELETE,
    HTTP_M_OPTIONS,
    HTTP_M_PATCH,
} http_method_t;

typedef enum {
    HTTP_PARSE_MORE = 0, /* every byte given was consumed; feed more */
    HTTP_PARSE_HEADERS,  /* headers complete; a body of req.content_length follows: call
                            http_parser_set_body() then feed again */
    HTTP_PARSE_DONE,     /* request complete; bytes after it are not consumed */
    HTTP_PARSE_ERROR,    /* malformed: see status and error */
} http_parse_result_t;

/* Values kept for a header are truncated at their capacity minus one and NUL-terminated;
 * a truncated value of a header whose exact value matters (Sec-WebSocket-Key,
 * Content-Length) is an error instead. */
typedef struct {
    uint8_t method;        /* http_method_t */
    uint8_t version_minor; /* HTTP/1.<minor>: 0 or 1 */
    uint8_t keep_alive;    /* 1.1 default on, 1.0 default off, Connection: close/keep-alive */
    uint8_t has_body_len;  /* a Content-Length header was present */
    uint8_t conn_upgrade;  /* "upgrade" is a token of Connection */
    uint8_t upgrade_ws;    /* "websocket" is a token of Upgrade */
    uint32_t content_length;
    char target[HTTP_TARGET_MAX]; /* request target as sent, e.g. "/api/jobs/ab12?after=3" */
    char host[64];
    char content_type[64];
    char origin[128];
    char ws_key[32];      /* Sec-WebSocket-Key, trimmed */
    char ws_version[8];   /* Sec-WebSocket-Version */
    char ws_protocol[64]; /* Sec-WebSocket-Protocol, as offered */
    char last_event_id[24];
    char accept[64]; /* Accept, truncated: only its start is used */
    /* Accept-Encoding and If-None-Match, for static assets (see http_accepts_gzip and
     * http_etag_matches). Truncation only costs a compressed or 304 answer, never a wrong
     * one: a cut list may hide a coding or a tag, and both helpers then say no. */
    char accept_encoding[48];
    char if_none_match[48];
} http_request_t;

typedef struct {
    http_request_t req;
    uint16_t status;   /* on HTTP_PARSE_ERROR: 400, 413, 414, 431, 501 or 505 */
    const char *error; /* on HTTP_PARSE_ERROR: short reason, static string */
    /* private state */
    uint8_t state;
    uint8_t hdr_id;
    uint8_t saw_cr;
    uint8_t flags; /* Connection tokens seen, per-value parse state */
    uint16_t name_len;
    uint16_t value_len;
    uint16_t seen; /* bit per known header already received (duplicates) */
    uint32_t header_bytes;
    uint32_t num; /* Content-Length element being read */
    uint32_t body_got;
    uint8_t *body;
    uint32_t body_cap;
    char name[32];
    char tmp[24];
} http_parser_t;

/* Ready for a new request on the same connection (keep-alive). */
void http_parser_reset(http_parser_t *p);

/* Consume bytes; *used is how many were consumed (all of them unless the result is DONE
 * or ERROR, or HEADERS when the body must be placed first). */
http_parse_result_t http_parser_feed(http_parser_t *p, const uint8_t *data, size_t len,
                                     size_t *used);

/* After HTTP_PARSE_HEADERS: where to store the body (cap >= content_length). */
void http_parser_set_body(http_parser_t *p, uint8_t *buf, uint32_t cap);

/* Body bytes received so far (valid after DONE: equals content_length). */
static inline const uint8_t *http_parser_body(const http_parser_t *p)
{
    return p->body;
}

/* Split target into path (until '?') and query; returns the path length. */
size_t http_target_path_len(const char *target);

/* Value of a query parameter, copied NUL-terminated into out; returns its length, or -1 if
 * absent or longer than out_cap-1. Percent-decoding is applied. */
int http_query_param(const char *target, const char *name, char *out, size_t out_cap);

#endif
