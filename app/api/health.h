/* GET /api/health's document, apart from the handler so that it can be tested alone. */
#ifndef EDGE_API_HEALTH_H
#define EDGE_API_HEALTH_H

#include <stddef.h>

/* Renders the health report into out (no NUL); returns its length, or -1 when it does not
 * fit in cap. Nothing is ever written past cap. */
int api_health_render(char *out, size_t cap);

#endif
