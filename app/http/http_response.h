/* HTTP response formatting into a caller's buffer, on the text toolkit (app/util/sink.h):
 * status line, the standard headers, and the JSON error body every error carries. No
 * allocation, no stdio, no I/O. Every function returns the length written (a NUL follows it)
 * or -1 if the result, with its NUL, does not fit in cap or an argument could break it. */
#ifndef EDGE_HTTP_RESPONSE_H
#define EDGE_HTTP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "app/util/sink.h"

#define HTTP_CT_JSON "application/json"

typedef struct {
    uint16_t status;
    uint8_t keep_alive;       /* Connection: keep-alive, else Connection: close */
    uint8_t cacheable;        /* 0: Cache-Control: no-store (API answers are live state) */
    const char *content_type; /* NULL: no Content-Type */
    int32_t content_length;   /* < 0: no Content-Length (stream ended by closing) */
    const char *extra_name;   /* optional extra header, e.g. "Retry-After" or "Allow" */
    const char *extra_value;
    const char *connection;  /* NULL: from keep_alive; else the value ("Upgrade") */
    const char *extra_lines; /* NULL, or complete "Name: value\r\n" lines, sent as given */
} http_head_t;

typedef struct {
    uint16_t status;
    const char *code;    /* NULL: http_error_code(status, field != NULL) */
    const char *field;   /* NULL: no "field" member */
    const char *message; /* NULL: the reason phrase */
} http_error_t;

/* Reason phrase of RFC 9110 (e.g. "Not Found"); "" for a status it does not know. */
const char *http_reason(unsigned status);

/* Error code for the JSON body: 404 "not_found" ...; a 400 naming a field is
 * "invalid_argument". Unknown 4xx are "bad_request", anything else "internal". */
const char *http_error_code(unsigned status, int with_field);

/* Status line and headers, through the empty line that ends them. */
int http_format_head(char *out, size_t cap, const http_head_t *h);

/* {"error":{"code":…,"field":…,"message":…}} with JSON string escaping. */
int http_format_error_body(char *out, size_t cap, const http_error_t *e);

/* A complete error response: head (application/json, exact Content-Length, no-store) and
 * body. extra_name/extra_value may be NULL, or e.g. "Allow", "GET, HEAD". */
int http_format_error(char *out, size_t cap, const http_error_t *e, int keep_alive,
                      const char *extra_name, const char *extra_value);

/* The members "code", "field"? and "message" of an error object (no braces), JSON-escaped:
 * the one error shape, inside {"error":{...}} here and {"type":"error",...} on /ws. */
void http_error_members(sink_t *s, const http_error_t *e);

/* {"error":{...}} into a sink (what http_format_error_body() writes). */
void http_error_body(sink_t *s, const http_error_t *e);

#endif
