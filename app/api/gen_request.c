#include "app/api/gen_request.h"

#include <string.h>

#include "app/util/rng.h"

cJSON *json_parse_whole(const char *p, size_t n)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (!v || !end) return NULL; /* the arena is reset by the caller */
    for (; end < p + n; end++)
        if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') return NULL;
    return v;
}

/* A JSON number that is a whole number within [lo, hi]. */
static int whole(const cJSON *v, double lo, double hi, uint32_t *out)
{
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (d < lo || d > hi || d != (double)(uint32_t)d) return -1;
    *out = (uint32_t)d;
    return 0;
}

static int text(const cJSON *v, char *out, size_t cap)
{
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap) return -1;
    strcpy(out, v->valuestring);
    return 0;
}

#define FAIL(f, m)                                                                                 \
    do {                                                                                           \
        err->field = (f);                                                                          \
        err->message = (m);                                                                        \
        return -1;                                                                                 \
    } while (0)

int gen_request_from_json(const cJSON *obj, gen_request_t *req, uint8_t *num_images,
                          api_error_t *err)
{
    memset(req, 0, sizeof *req);
    req->steps = 20;
    req->guidance10 = 75;
    req->preview = 1;
    *num_images = 1;
    if (!cJSON_IsObject(obj)) FAIL(NULL, "the body must be a JSON object");

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "prompt");
    if (!v) FAIL("prompt", "is required");
    if (text(v, req->prompt, sizeof req->prompt) != 0)
        FAIL("prompt", "must be a string of at most 255 bytes");

    v = cJSON_GetObjectItemCaseSensitive(obj, "negative_prompt");
    if (v && !cJSON_IsNull(v) && text(v, req->negative, sizeof req->negative) != 0)
        FAIL("negative_prompt", "must be a string of at most 255 bytes");

    uint32_t u;
    v = cJSON_GetObjectItemCaseSensitive(obj, "num_inference_steps");
    if (v) {
        if (whole(v, GEN_STEPS_MIN, GEN_STEPS_MAX, &u) != 0)
            FAIL("num_inference_steps", "must be an integer from 1 to 100");
        req->steps = (uint8_t)u;
    }

    v = cJSON_GetObjectItemCaseSensitive(obj, "guidance_scale");
    if (v) {
        /* Tenths are the engine's resolution; finer values round to the nearest tenth. */
        if (!cJSON_IsNumber(v) || v->valuedouble < 1.0 || v->valuedouble > 20.0)
            FAIL("guidance_scale", "must be a number from 1 to 20");
        req->guidance10 = (uint16_t)(v->valuedouble * 10.0 + 0.5);
    }

    v = cJSON_GetObjectItemCaseSensitive(obj, "seed");
    if (v && !cJSON_IsNull(v)) {
        if (whole(v, 0, 4294967295.0, &u) != 0)
            FAIL("seed", "must be an integer from 0 to 4294967295");
        req->seed = u;
    } else {
        uint8_t b[4] = {0};
        rng_bytes(b, sizeof b);
        req->seed =
            (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    }

    v = cJSON_GetObjectItemCaseSensitive(obj, "num_images");
    if (v) {
        if (whole(v, 1, JOB_IMAGES_MAX, &u) != 0)
            FAIL("num_images", "must be an integer from 1 to 4");
        *num_images = (uint8_t)u;
    }

    v = cJSON_GetObjectItemCaseSensitive(obj, "preview");
    if (v) {
        if (!cJSON_IsBool(v)) FAIL("preview", "must be true or false");
        req->preview = (uint8_t)cJSON_IsTrue(v);
    }

    const char *field = NULL, *message = NULL;
    if (gen_validate(req, &field, &message) != 0) FAIL(field, message);
    return 0;
}
