/* The fan-out latency figures (app/jobs/fanout.c): percentiles within the histogram's
 * resolution, the per-event last-subscriber and skew samples, and events given up when a
 * subscriber falls far behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/config.h"
#include "app/jobs/fanout.h"

static uint32_t get(const char *name, int metric, unsigned p, uint32_t *n)
{
    uint32_t v = 0;
    assert_int_equal(fanout_percentile(name, metric, p, &v, n), 0);
    return v;
}

/* Within the buckets' 12.5 %, never below the true value, never above the maximum. */
static void assert_near(uint32_t got, uint32_t want)
{
    assert_true(got >= want);
    assert_true(got <= want + want / 8 + 1);
}

static void percentiles_within_a_bucket(void **state)
{
    (void)state;
    fanout_reset();
    /* 1000 events of one subscriber each: 1 .. 1000 us after their step boundary. */
    for (uint32_t i = 1; i <= 1000; i++)
        fanout_record("ws", 0, i, 100000, 100000 + i / 2, 100000 + i, 1);
    uint32_t n;
    assert_near(get("ws", FANOUT_DELIVER, 50, &n), 501);
    assert_int_equal(n, 1000);
    assert_near(get("ws", FANOUT_DELIVER, 99, &n), 991);
    assert_int_equal(get("ws", FANOUT_DELIVER, 100, &n), 1000);
    assert_near(get("ws", FANOUT_HANDED, 50, &n), 250);
    /* One subscriber: the last is the only one, no skew. */
    assert_int_equal(get("ws", FANOUT_LAST, 100, &n), 1000);
    assert_int_equal(n, 1000);
    assert_int_equal(get("ws", FANOUT_SKEW, 100, &n), 0);
    uint32_t v;
    assert_int_equal(fanout_percentile("sse", FANOUT_DELIVER, 50, &v, &n), -1);
}

static void last_and_skew_per_event(void **state)
{
    (void)state;
    fanout_reset();
    /* Event 7 of job 2, made at t = 1000, reaches three subscribers at 1010, 1300, 1100
     * (handed to lwIP at 1005, 1020, 1015). */
    fanout_record("sse", 2, 7, 1000, 1005, 1010, 3);
    fanout_record("sse", 2, 7, 1000, 1020, 1300, 3);
    uint32_t n;
    get("sse", FANOUT_LAST, 100, &n);
    assert_int_equal(n, 0); /* not everyone has it yet */
    fanout_record("sse", 2, 7, 1000, 1015, 1100, 3);
    assert_int_equal(get("sse", FANOUT_LAST, 100, &n), 300);
    assert_int_equal(n, 1);
    assert_int_equal(get("sse", FANOUT_LAST_HANDED, 100, &n), 20);
    assert_int_equal(get("sse", FANOUT_SKEW, 100, &n), 290);
    assert_int_equal(get("sse", FANOUT_DELIVER, 100, &n), 300);
    assert_int_equal(n, 3);
}

static void a_subscriber_far_behind_gives_its_event_up(void **state)
{
    (void)state;
    fanout_reset();
    /* Two subscribers; the second never gets events 1..: after FANOUT_OPEN newer events the
     * oldest is given up (no last/skew sample), and the render says so. */
    for (uint32_t id = 1; id <= 10; id++)
        fanout_record("ws", 0, id, id * 1000, id * 1000 + 5, id * 1000 + 10, 2);
    uint32_t n;
    get("ws", FANOUT_LAST, 100, &n);
    assert_int_equal(n, 0);
    char buf[2048];
    sink_t s;
    sink_init(&s, buf, sizeof buf - 1, 0);
    fanout_render(&s);
    buf[s.n] = 0;
    char want[32];
    snprintf(want, sizeof want, "\"incomplete\":%d", 10 - FANOUT_OPEN);
    assert_non_null(strstr(buf, want));
    assert_non_null(strstr(buf, "\"ws\":{\"handed\":{\"n\":10,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_within_a_bucket),
        cmocka_unit_test(last_and_skew_per_event),
        cmocka_unit_test(a_subscriber_far_behind_gives_its_event_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
