/* The finished images a device keeps: JOB_IMAGE_SLOTS slots shared by every job, taken at
 * a job's start and handed on from the oldest finished jobs. A job that ends before all its
 * images are made must give the rest back, or a few cancelled multi-image jobs would leave
 * every later job failing with "internal". The generator is the real one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/config.h"
#include "app/jobs/jobs.h"
#include "jobs_test_util.h"

static job_t *submit(int steps, int images)
{
    return submit_job("a small red circle on a blue background", steps, 5, images, 0);
}

static void run_all(void)
{
    while (jobs_run_slice()) {
    }
}

static void cancelled_jobs_give_their_unmade_image_slots_back(void **state)
{
    (void)state;
    jobs_init();
    /* More cancelled JOB_IMAGES_MAX-image jobs than the slots could hold at once. */
    int rounds = JOB_IMAGE_SLOTS / JOB_IMAGES_MAX + 2;
    for (int i = 0; i < rounds; i++) {
        job_t *j = submit(20, JOB_IMAGES_MAX);
        assert_non_null(j);
        assert_true(jobs_run_slice()); /* started: its slots are reserved */
        assert_int_equal(j->state, JOB_RUNNING);
        assert_int_equal(jobs_cancel(j), 0);
        assert_int_equal(j->error, JERR_CANCELLED);
        assert_null(jobs_image(j, 0));
    }
    job_t *k = submit(2, JOB_IMAGES_MAX);
    assert_non_null(k);
    run_all();
    assert_int_equal(k->state, JOB_DONE);
    for (int n = 0; n < JOB_IMAGES_MAX; n++)
        assert_non_null(jobs_image(k, n));
}

static void a_job_cancelled_after_its_first_image_keeps_that_image(void **state)
{
    (void)state;
    jobs_init();
    job_t *j = submit(1, 2);
    assert_non_null(j);
    while (j->images_done < 1)
        assert_true(jobs_run_slice());
    assert_int_equal(jobs_cancel(j), 0);
    assert_non_null(jobs_image(j, 0));
    assert_null(jobs_image(j, 1));
    /* Later jobs take its image when they need the room, and all of them complete. */
    for (int i = 0; i < JOB_IMAGE_SLOTS; i++) {
        job_t *k = submit(1, 1);
        assert_non_null(k);
        run_all();
        assert_int_equal(k->state, JOB_DONE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cancelled_jobs_give_their_unmade_image_slots_back),
        cmocka_unit_test(a_job_cancelled_after_its_first_image_keeps_that_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
