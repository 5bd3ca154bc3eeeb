/* libFuzzer target: request bodies and /ws messages as the API reads them — cJSON on the
 * static arena, then field validation — and the text toolkit's JSON string escaping on
 * arbitrary bytes (the output must stay valid UTF-8 with nothing unescaped, and parse back
 * to the input when the input was UTF-8). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/api/gen_request.h"
#include "app/util/sink.h"
#include "app/util/utf8.h"
#include "cJSON.h"
#include "port/json_arena.h"

static void check_escaped(const uint8_t *data, size_t size)
{
    static char in[512], out[4096];
    size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
    memcpy(in, data, n);
    in[n] = 0;
    sink_t s;
    sink_init(&s, out, sizeof out, 0);
    sink_json_str(&s, in);
    if (s.pos != s.n) __builtin_trap(); /* 6 x 511 + 2 always fits */
    if (out[0] != '"' || out[s.n - 1] != '"') __builtin_trap();
    for (size_t i = 1; i + 1 < s.n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20) __builtin_trap(); /* control characters are escaped */
        if (c == '"' && out[i - 1] != '\\') __builtin_trap();
    }
    if (!utf8_valid((const uint8_t *)out, s.n)) __builtin_trap();
    /* The escaped text parses back as one JSON string, and the string is the input where
     * the input was valid UTF-8. */
    json_arena_reset();
    cJSON *v = cJSON_ParseWithLength(out, s.n);
    if (!v || !cJSON_IsString(v)) __builtin_trap();
    if (utf8_valid((const uint8_t *)in, strlen(in)) && strcmp(v->valuestring, in) != 0)
        __builtin_trap();
    json_arena_reset();

    /* Counted bytes (NULs included) and trusted pieces: the pieces' escapes joined are the
     * escape of the whole, and each byte takes json_escaped_len() of them. */
    sink_t a, b;
    sink_init(&a, out, sizeof out, 0);
    sink_json_chars(&a, in, n);
    if (sink_overflowed(&a)) __builtin_trap();
    size_t cut = n ? data[0] % (n + 1) : 0, want = 0;
    sink_init(&b, NULL, 0, 0);
    sink_json_utf8(&b, in, cut);
    sink_json_utf8(&b, in + cut, n - cut);
    for (size_t i = 0; i < n; i++)
        want += json_escaped_len((uint8_t)in[i]);
    if (b.pos != want) __builtin_trap();
    if (utf8_valid((const uint8_t *)in, n) && a.pos != want) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_arena_reset();
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (root) {
        gen_request_t req;
        uint8_t n = 0;
        api_error_t err = {0};
        if (gen_request_from_json(root, &req, &n, &err) == 0) {
            if (req.steps < 1 || req.steps > 100) __builtin_trap();
            if (req.guidance10 < 10 || req.guidance10 > 200) __builtin_trap();
            if (n < 1 || n > 4) __builtin_trap();
            if (!memchr(req.prompt, 0, sizeof req.prompt)) __builtin_trap();
        } else if (!err.message) {
            __builtin_trap(); /* every refusal says why */
        }
    }
    json_arena_reset();
    check_escaped(data, size);
    return 0;
}
