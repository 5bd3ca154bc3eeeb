/* Replies the API formats itself: a /ws error message must stay valid JSON whatever its code,
 * field and message hold, and the /api/health report must never write past its buffer, at
 * any buffer size, and say when it did not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/api/gen_request.h"
#include "app/api/health.h"
#include "app/api/ws_api.h"
#include "app/util/json_check.h"
#include "lwip/init.h"
#include "port/json_arena.h"

static const char *member(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* out holds one JSON object whose members are exactly these strings. */
static void assert_error_msg(const char *out, int n, const char *code, const char *field,
                             const char *msg)
{
    assert_true(n > 0);
    assert_int_equal(strlen(out), (size_t)n);
    if (!json_check(out, (size_t)n)) fail_msg("not JSON: %s", out);
    json_arena_reset();
    cJSON *o = json_parse_whole(out, (size_t)n);
    assert_non_null(o);
    assert_string_equal(member(o, "type"), "error");
    assert_string_equal(member(o, "code"), code);
    if (field)
        assert_string_equal(member(o, "field"), field);
    else
        assert_null(cJSON_GetObjectItemCaseSensitive(o, "field"));
    assert_string_equal(member(o, "message"), msg);
    json_arena_reset();
}

static void ws_error_is_json_whatever_it_holds(void **state)
{
    (void)state;
    char out[384];
    int n = ws_api_format_error(out, sizeof out, "invalid_argument", "prompt", "is required");
    assert_error_msg(out, n, "invalid_argument", "prompt", "is required");
    /* A quote, a backslash and a newline in any part. */
    n = ws_api_format_error(out, sizeof out, "not_found", "session_id\"x",
                            "no session \"ab\\cd\"\nhere");
    assert_error_msg(out, n, "not_found", "session_id\"x", "no session \"ab\\cd\"\nhere");
    n = ws_api_format_error(out, sizeof out, "bad\"code", NULL, "tab\there");
    assert_error_msg(out, n, "bad\"code", NULL, "tab\there");
    /* Too small a buffer is refused, not cut into broken JSON. */
    assert_int_equal(ws_api_format_error(out, 20, "invalid_argument", NULL, "x"), -1);
}

static void health_never_writes_past_its_buffer(void **state)
{
    (void)state;
    static char full[8192];
    int len = api_health_render(full, sizeof full);
    assert_true(len > 0);
    if (!json_check(full, (size_t)len)) fail_msg("not JSON: %s", full);
    assert_non_null(strstr(full, "\"memory\":{\"lwip_heap\":{"));
    /* Every size up to a little past the document: each buffer exactly that large, so that
     * ASan reports a single byte written past it. */
    for (size_t cap = 0; cap <= (size_t)len + 4; cap++) {
        char *buf = malloc(cap ? cap : 1);
        assert_non_null(buf);
        int n = api_health_render(buf, cap);
        if (cap >= (size_t)len) { /* no NUL needed: the reply is sent by length */
            assert_int_equal(n, len);
            assert_memory_equal(buf, full, (size_t)len);
        } else {
            assert_int_equal(n, -1);
        }
        free(buf);
    }
}

int main(void)
{
    lwip_init(); /* the health report reads lwIP's pool statistics */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ws_error_is_json_whatever_it_holds),
        cmocka_unit_test(health_never_writes_past_its_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
