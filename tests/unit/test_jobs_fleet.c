/* What a fleet relies on in the jobs module: session ids that name their device (a proxy
 * routes by the first byte) and one lifecycle observer (telemetry) that sees every event in
 * order, without the jobs module knowing what it is for. The generator is the real one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/jobs/jobs.h"
#include "jobs_test_util.h"

static job_t *submit(int steps)
{
    return submit_job("a small green star on a black background", steps, 3, 1, 0);
}

static int setup(void **state)
{
    (void)state;
    jobs_init();
    jobs_set_observer(NULL);
    jobs_set_fleet_index(0);
    return 0;
}

static void ids_begin_with_the_fleet_index(void **state)
{
    (void)state;
    static const struct {
        uint8_t index;
        const char *prefix;
    } cases[] = {{0, "00"}, {2, "02"}, {10, "0a"}, {255, "ff"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jobs_init();
        jobs_set_fleet_index(cases[i].index);
        job_t *a = submit(1), *b = submit(1);
        assert_non_null(a);
        assert_non_null(b);
        assert_memory_equal(a->hex, cases[i].prefix, 2);
        assert_memory_equal(b->hex, cases[i].prefix, 2);
        assert_int_equal(strlen(a->hex), 32);
        /* The rest stays random: two jobs of one device do not share an id. */
        assert_string_not_equal(a->hex, b->hex);
        assert_ptr_equal(jobs_find(a->hex), a);
        while (jobs_run_slice()) {
        }
    }
}

static struct {
    char hex[JOB_ID_HEX];
    uint8_t type;
    uint32_t id;
    int state;
} seen[256];
static int n_seen;

static void observe(const job_t *j, const job_event_t *ev)
{
    assert_true(n_seen < 256);
    memcpy(seen[n_seen].hex, j->hex, JOB_ID_HEX);
    seen[n_seen].type = ev->type;
    seen[n_seen].id = ev->id;
    seen[n_seen].state = j->state;
    n_seen++;
}

static void the_observer_sees_each_lifecycle_in_order(void **state)
{
    (void)state;
    n_seen = 0;
    jobs_set_observer(observe);
    job_t *a = submit(3);
    job_t *b = submit(2);
    assert_non_null(a);
    assert_non_null(b);
    char ha[JOB_ID_HEX], hb[JOB_ID_HEX];
    memcpy(ha, a->hex, sizeof ha);
    memcpy(hb, b->hex, sizeof hb);
    assert_int_equal(jobs_cancel(b), 0);
    while (jobs_run_slice()) {
    }
    /* a: queued, started, 3 progress, complete; b: queued, error (cancelled). */
    static const uint8_t want_a[] = {EV_QUEUED,   EV_STARTED,  EV_PROGRESS,
                                     EV_PROGRESS, EV_PROGRESS, EV_COMPLETE};
    static const uint8_t want_b[] = {EV_QUEUED, EV_ERROR};
    size_t ia = 0, ib = 0;
    for (int i = 0; i < n_seen; i++) {
        if (strcmp(seen[i].hex, ha) == 0) {
            assert_true(ia < sizeof want_a);
            assert_int_equal(seen[i].type, want_a[ia]);
            assert_int_equal(seen[i].id, ia + 1); /* called once per event, as it is logged */
            ia++;
        } else {
            assert_string_equal(seen[i].hex, hb);
            assert_true(ib < sizeof want_b);
            assert_int_equal(seen[i].type, want_b[ib]);
            ib++;
        }
    }
    assert_int_equal(ia, sizeof want_a);
    assert_int_equal(ib, sizeof want_b);
    /* The job's state is already the final one when its final event is observed. */
    assert_int_equal(seen[n_seen - 1].state, JOB_DONE);

    jobs_set_observer(NULL);
    int before = n_seen;
    assert_non_null(submit(1));
    assert_int_equal(n_seen, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(ids_begin_with_the_fleet_index, setup),
        cmocka_unit_test_setup(the_observer_sees_each_lifecycle_in_order, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
