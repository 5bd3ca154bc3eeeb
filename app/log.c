#include "app/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/board.h"
#include "app/config.h"

int log_level = LOG_INFO;

static char line[LOG_LINE_MAX];
static const char tag[] = "EWID";

/* One rate-limit window per call site, keyed by the format string's address. */
typedef struct {
    const char *fmt; /* NULL: free */
    uint32_t t0;     /* start of the current window */
    uint32_t dropped;
    uint16_t written; /* lines written in the current window */
    uint8_t level;
} log_site_t;

static log_site_t sites[LOG_SITES];
static uint32_t suppressed_total;

static int prefix(uint32_t now, int level)
{
    return snprintf(line, sizeof line, "[%6lu.%03lu] %c ", (unsigned long)(now / 1000),
                    (unsigned long)(now % 1000), tag[level & 3]);
}

static void emit(size_t len)
{
    if (len > sizeof line - 2) len = sizeof line - 2; /* truncated: keep the newline */
    line[len++] = '\n';
    board_console_write(line, len);
}

/* The count of what a site's window held back, as one line; the site starts afresh. */
static void summarize(log_site_t *s, uint32_t now)
{
    if (s->dropped) {
        int n = prefix(now, s->level);
        int m =
            snprintf(line + n, sizeof line - (size_t)n - 1, "log: %lu more like \"%s\" in %lu ms",
                     (unsigned long)s->dropped, s->fmt, (unsigned long)(now - s->t0));
        emit((size_t)n + (m < 0 ? 0 : (size_t)m));
    }
    s->dropped = 0;
    s->written = 0;
    s->t0 = now;
}

void log_tick(uint32_t now)
{
    for (int i = 0; i < LOG_SITES; i++) {
        log_site_t *s = &sites[i];
        if (s->fmt && s->dropped && now - s->t0 >= LOG_WINDOW_MS) summarize(s, now);
    }
}

/* The site's entry; a new site takes a free entry or the one whose window began longest ago (its
 * pending count written first). */
static log_site_t *site_of(const char *fmt, uint32_t now)
{
    log_site_t *oldest = &sites[0];
    for (int i = 0; i < LOG_SITES; i++) {
        log_site_t *s = &sites[i];
        if (s->fmt == fmt) return s;
        if (!s->fmt) {
            oldest = s;
            break;
        }
        if (oldest->fmt && now - s->t0 > now - oldest->t0) oldest = s;
    }
    if (oldest->fmt) summarize(oldest, now);
    oldest->fmt = fmt;
    oldest->t0 = now;
    oldest->written = 0;
    oldest->dropped = 0;
    return oldest;
}

void log_write(int level, const char *fmt, ...)
{
    if (level > log_level) return;
    uint32_t now = board_now_ms();
    log_tick(now);
    if (level < LOG_DEBUG) {
        log_site_t *s = site_of(fmt, now);
        s->level = (uint8_t)level;
        if (now - s->t0 >= LOG_WINDOW_MS) summarize(s, now);
        if (s->written >= LOG_BURST) {
            s->dropped++;
            suppressed_total++;
            return;
        }
        s->written++;
    }
    int n = prefix(now, level);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    emit((size_t)n + (m < 0 ? 0 : (size_t)m));
}

uint32_t log_suppressed(void)
{
    return suppressed_total;
}

int log_level_parse(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0 || (s[0] == '0' + i && s[1] == 0)) return i;
    return -1;
}
