/* Parsing of the job paths: /api/jobs/<id>, /api/jobs/<id>/events, /api/images/<id>/<n>.png */
#ifndef EDGE_JOB_PATH_H
#define EDGE_JOB_PATH_H

#include "app/jobs/jobs.h"

typedef struct {
    int ok;              /* the id is 32 hex digits */
    char id[JOB_ID_HEX]; /* NUL-terminated */
    const char *tail;    /* what follows the id ("" none, "/events"), NULL when absent */
} job_path_t;

/* target starts with "/api/jobs/". */
void job_path_parse(const char *target, job_path_t *out);

typedef struct {
    char id[JOB_ID_HEX];
    int n;
} image_path_t;

/* "/api/images/<32 hex>/<digit>.png"; returns 0 when it is one. */
int image_path_parse(const char *target, image_path_t *out);

#endif
