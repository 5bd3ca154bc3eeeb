/* Shared by the jobs unit tests: a request submitted the way the API would (guidance 1.0,
 * one prompt the parser knows), so that each test names only what it varies. */
#ifndef JOBS_TEST_UTIL_H
#define JOBS_TEST_UTIL_H

#include <stdint.h>
#include <string.h>

#include "app/jobs/jobs.h"

/* NULL when the queue refuses it, as jobs_submit. */
static inline job_t *submit_job(const char *prompt, int steps, uint32_t seed, int images,
                                int preview)
{
    gen_request_t g;
    memset(&g, 0, sizeof g);
    strncpy(g.prompt, prompt, sizeof g.prompt - 1);
    g.steps = (uint8_t)steps;
    g.guidance10 = 10;
    g.seed = seed;
    g.preview = (uint8_t)preview;
    return jobs_submit(&g, (uint8_t)images, 0);
}

#endif
