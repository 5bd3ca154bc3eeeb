/* Helpers shared by the generator's unit tests: read the model/golden case
 * files (only the few shapes golden.py writes: strings, integers, flat arrays)
 * and run a request to the end. */
#ifndef TEST_GEN_UTIL_H
#define TEST_GEN_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gen/gen.h"
#include "app/gen/gen_debug.h"

/* The golden folder: $GEN_GOLDEN_DIR or model/golden (tests run from the repo
 * root). */
static inline char *golden_read(int i)
{
    const char *dir = getenv("GEN_GOLDEN_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/case%d.json", dir ? dir : "model/golden", i);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* The value after "key": in text, or NULL. */
static inline const char *json_at(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(text, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n')
        p++;
    return p;
}

/* A JSON string at p (escapes \" \\ \/ \n \t \r \uXXXX below 0x80); returns the
 * end. */
static inline const char *json_string(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p++ != '"') return NULL;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'r')
                c = '\r';
            else if (c == 'u') {
                c = (char)strtol((char[5]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
                p += 4;
            }
        }
        if (n + 1 < cap) out[n++] = c;
    }
    out[n] = 0;
    return *p ? p + 1 : NULL;
}

static inline long json_int(const char *text, const char *key)
{
    const char *p = json_at(text, key);
    return p ? strtol(p, NULL, 10) : -1;
}

/* Element i of the array at key, as a string (or a number's text), or 0 if
 * absent. */
static inline int json_item(const char *text, const char *key, int i, char *out, size_t cap)
{
    const char *p = json_at(text, key);
    if (!p || *p != '[') return 0;
    p++;
    for (int k = 0;; k++) {
        while (*p == ' ' || *p == '\n' || *p == ',')
            p++;
        if (*p == ']' || !*p) return 0;
        if (*p == '"') {
            char tmp[4096];
            const char *e = json_string(p, k == i ? out : tmp, k == i ? cap : sizeof tmp);
            if (!e) return 0;
            if (k == i) return 1;
            p = e;
        } else {
            size_t n = strcspn(p, ",]");
            if (k == i) {
                snprintf(out, cap, "%.*s", (int)n, p);
                return 1;
            }
            p += n;
        }
    }
}

static inline uint32_t json_hex32(const char *text, const char *key)
{
    char s[16];
    const char *p = json_at(text, key);
    if (!p || !json_string(p, s, sizeof s)) return 0;
    return (uint32_t)strtoul(s, NULL, 16);
}

static inline void make_request(gen_request_t *r, const char *prompt, const char *negative,
                                int steps, int g10, uint32_t seed)
{
    memset(r, 0, sizeof *r);
    snprintf(r->prompt, sizeof r->prompt, "%s", prompt);
    snprintf(r->negative, sizeof r->negative, "%s", negative);
    r->steps = (uint8_t)steps;
    r->guidance10 = (uint16_t)g10;
    r->seed = seed;
}

/* Run to the end; returns the number of slices, or -1 if a status was out of
 * order. */
static inline int run_to_end(const gen_request_t *r, uint32_t *max_slice)
{
    if (gen_begin(r) != 0) return -1;
    int slices = 0, steps_seen = 0;
    if (max_slice) *max_slice = 0;
    for (;;) {
        gen_status_t s = gen_slice();
        slices++;
        if (max_slice && gen_debug_last_slice_macs() > *max_slice)
            *max_slice = gen_debug_last_slice_macs();
        if (s == GEN_STEP_DONE || s == GEN_IMAGE_DONE) {
            if (gen_step() != ++steps_seen) return -1;
        }
        if (s == GEN_IMAGE_DONE) return steps_seen == r->steps ? slices : -1;
        if (s != GEN_RUNNING && s != GEN_STEP_DONE) return -1;
    }
}

#endif
