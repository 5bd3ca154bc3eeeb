/* Firmware log: one line per call, to the board console, with a millisecond timestamp and
 * level. Formatting uses one static line buffer (single-threaded).
 *
 * Lines are rate-limited per call site (its format string): at most LOG_BURST lines per
 * LOG_WINDOW_MS from one site, the rest counted and summed up in one line when the window
 * ends ("log: 1234 more like ..."), so a flood of refused connections cannot fill a slow
 * UART or slow the loop. Debug lines are never limited (they are asked for). */
#ifndef EDGE_LOG_H
#define EDGE_LOG_H

#include <stdint.h>

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes the summary lines of windows that have ended; the superloop calls it every pass so
 * that a flood's count appears even when the flood stops. */
void log_tick(uint32_t now_ms);

/* Lines not written because of the rate limit, since boot (for /api/health and tests). */
uint32_t log_suppressed(void);

/* Parse "error", "warn", "info", "debug" (or 0..3); returns -1 when unknown. */
int log_level_parse(const char *s);

#define LOGE(...) log_write(LOG_ERROR, __VA_ARGS__)
#define LOGW(...) log_write(LOG_WARN, __VA_ARGS__)
#define LOGI(...) log_write(LOG_INFO, __VA_ARGS__)
#define LOGD(...)                                                                                  \
    do {                                                                                           \
        if (log_level >= LOG_DEBUG) log_write(LOG_DEBUG, __VA_ARGS__);                             \
    } while (0)

#endif
