#include "app/api/job_path.h"

#include <string.h>

#include "app/http/http_parser.h"

static int hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Copy 32 hex digits from p into id; returns the number of characters used, or 0. */
static size_t take_id(const char *p, size_t len, char id[JOB_ID_HEX])
{
    if (len < JOB_ID_HEX - 1) return 0;
    for (size_t i = 0; i < JOB_ID_HEX - 1; i++) {
        if (!hexdigit(p[i])) return 0;
        id[i] = p[i];
    }
    id[JOB_ID_HEX - 1] = 0;
    return JOB_ID_HEX - 1;
}

void job_path_parse(const char *target, job_path_t *out)
{
    static const char pre[] = "/api/jobs/";
    size_t plen = http_target_path_len(target);
    memset(out, 0, sizeof *out);
    if (plen < sizeof pre - 1 || memcmp(target, pre, sizeof pre - 1) != 0) return;
    const char *p = target + sizeof pre - 1;
    size_t rest = plen - (sizeof pre - 1);
    size_t n = take_id(p, rest, out->id);
    if (!n) return;
    static const char events[] = "/events";
    if (rest == n) {
        out->ok = 1;
        out->tail = "";
    } else if (rest - n == sizeof events - 1 && memcmp(p + n, events, sizeof events - 1) == 0) {
        out->ok = 1;
        out->tail = "/events";
    }
}

int image_path_parse(const char *target, image_path_t *out)
{
    static const char pre[] = "/api/images/";
    size_t plen = http_target_path_len(target);
    if (plen != sizeof pre - 1 + (JOB_ID_HEX - 1) + 6 || memcmp(target, pre, sizeof pre - 1) != 0)
        return -1;
    const char *p = target + sizeof pre - 1;
    if (!take_id(p, JOB_ID_HEX - 1, out->id)) return -1;
    p += JOB_ID_HEX - 1;
    if (p[0] != '/' || p[1] < '0' || p[1] > '9' || memcmp(p + 2, ".png", 4) != 0) return -1;
    out->n = p[1] - '0';
    return 0;
}
