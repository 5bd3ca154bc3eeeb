/* app/log.c: a flood of one warning is cut to LOG_BURST lines per window and one summary
 * line with the exact count; other call sites and debug lines are not held back by it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/config.h"
#include "app/log.h"

extern uint32_t test_clock_ms;
extern void (*test_console_hook)(const char *s, size_t len);

static char out[1 << 16];
static size_t out_len;
static int lines;

static void capture(const char *s, size_t len)
{
    assert_true(len > 0 && s[len - 1] == '\n');
    if (out_len + len < sizeof out) {
        memcpy(out + out_len, s, len);
        out_len += len;
        out[out_len] = 0;
    }
    lines++;
}

static int count(const char *needle)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static int setup(void **state)
{
    (void)state;
    out_len = 0;
    out[0] = 0;
    lines = 0;
    log_level = LOG_INFO;
    test_console_hook = capture;
    test_clock_ms += 100000; /* every earlier window has ended */
    log_tick(test_clock_ms);
    out_len = 0;
    out[0] = 0;
    lines = 0;
    return 0;
}

static void flood(int n)
{
    for (int i = 0; i < n; i++)
        LOGW("http: connection table full (%d), refusing", 32);
}

static void test_flood_is_summed_up(void **state)
{
    (void)state;
    uint32_t before = log_suppressed();
    flood(1000);
    assert_int_equal(lines, LOG_BURST);
    assert_int_equal(count("connection table full (32), refusing"), LOG_BURST);
    assert_int_equal(log_suppressed() - before, 1000 - LOG_BURST);
    /* Within the window nothing more is written. */
    test_clock_ms += LOG_WINDOW_MS - 1;
    log_tick(test_clock_ms);
    assert_int_equal(lines, LOG_BURST);
    /* The window ends: one line with the count, even though the flood has stopped. */
    test_clock_ms += 1;
    log_tick(test_clock_ms);
    assert_int_equal(lines, LOG_BURST + 1);
    char want[128];
    snprintf(want, sizeof want,
             "W log: %d more like \"http: connection table full (%%d), refusing\"",
             1000 - LOG_BURST);
    assert_non_null(strstr(out, want));
    /* Nothing is pending any more: no second summary. */
    test_clock_ms += 10 * LOG_WINDOW_MS;
    log_tick(test_clock_ms);
    assert_int_equal(lines, LOG_BURST + 1);
}

static void test_steady_flood_is_bounded_per_window(void **state)
{
    (void)state;
    /* 10 s of 200 warnings/s: at most LOG_BURST lines and one summary per window. */
    for (int t = 0; t < 2000; t++) {
        flood(1);
        test_clock_ms += 5;
        log_tick(test_clock_ms);
    }
    test_clock_ms += LOG_WINDOW_MS;
    log_tick(test_clock_ms);
    int windows = (int)(10000 / LOG_WINDOW_MS);
    assert_true(lines <= (windows + 1) * (LOG_BURST + 1));
    assert_true(lines >= windows * LOG_BURST);
    /* Every warning is accounted for: written, or counted in a summary. */
    int written = count("connection table full (32)");
    int counted = 0;
    for (const char *p = out; (p = strstr(p, "W log: ")) != NULL; p++)
        counted += atoi(p + 7);
    assert_int_equal(written + counted, 2000);
}

static void test_other_sites_and_levels_pass(void **state)
{
    (void)state;
    flood(100);
    LOGE("an error from elsewhere %d", 1);
    LOGI("an info line %s", "here");
    assert_non_null(strstr(out, "E an error from elsewhere 1"));
    assert_non_null(strstr(out, "I an info line here"));
    log_level = LOG_DEBUG;
    for (int i = 0; i < 50; i++)
        LOGD("debug %d", i);
    assert_int_equal(count("D debug "), 50);
    /* A level that is off writes nothing and counts nothing. */
    log_level = LOG_ERROR;
    uint32_t before = log_suppressed();
    for (int i = 0; i < 50; i++)
        LOGW("off %d", i);
    assert_int_equal(log_suppressed(), before);
    assert_null(strstr(out, "off "));
}

static void test_more_sites_than_slots(void **state)
{
    (void)state;
    /* Each format below is a separate call site; more than LOG_SITES of them in a burst
     * still writes the first lines of each and loses no count. */
    static const char *const fmts[] = {"s0 %d", "s1 %d", "s2 %d", "s3 %d", "s4 %d", "s5 %d",
                                       "s6 %d", "s7 %d", "s8 %d", "s9 %d", "sa %d", "sb %d"};
    uint32_t before = log_suppressed();
    for (int round = 0; round < 20; round++)
        for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++)
            log_write(LOG_WARN, fmts[k], round);
    test_clock_ms += LOG_WINDOW_MS;
    log_tick(test_clock_ms);
    int written = 0, counted = 0;
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        char tagged[8];
        snprintf(tagged, sizeof tagged, "W s%c ", fmts[k][1]);
        written += count(tagged);
    }
    for (const char *p = out; (p = strstr(p, "W log: ")) != NULL; p++)
        counted += atoi(p + 7);
    assert_int_equal(written + counted, 20 * 12);
    assert_int_equal((int)(log_suppressed() - before), counted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_flood_is_summed_up, setup),
        cmocka_unit_test_setup(test_steady_flood_is_bounded_per_window, setup),
        cmocka_unit_test_setup(test_other_sites_and_levels_pass, setup),
        cmocka_unit_test_setup(test_more_sites_than_slots, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
