/* Firmware log: one line per call, to the board console, with a millisecond timestamp and
 * level. Formatting uses one static line buffer (single-threaded). */
#ifndef EDGE_LOG_H
#define EDGE_LOG_H

enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
