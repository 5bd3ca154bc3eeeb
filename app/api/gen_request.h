/* A generation request from JSON, validated field by field the same way for every transport
 * (POST /api/generate, the /ws "generate" message, Socket.IO's generate_image). */
#ifndef EDGE_GEN_REQUEST_H
#define EDGE_GEN_REQUEST_H

#include <stdint.h>

#include "app/gen/gen.h"
#include "cJSON.h"

typedef struct {
    const char *field;   /* the JSON field at fault, or NULL */
    const char *message; /* what is allowed */
} api_error_t;

/* Fill req and *num_images from a JSON object. Returns 0, or -1 with err set. Defaults:
 * 20 steps, guidance 7.5, a random seed, one image, previews on. */
int gen_request_from_json(const cJSON *obj, gen_request_t *req, uint8_t *num_images,
                          api_error_t *err);

/* Parse one JSON document that must fill the buffer: cJSON alone stops after the first
 * value and would take `{"prompt":"a"} junk` or `null x` as valid. NULL if it is not. */
cJSON *json_parse_whole(const char *p, size_t n);

#endif
