#include "app/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app/board.h"
#include "app/config.h"

int log_level = LOG_INFO;

static char line[LOG_LINE_MAX];

void log_write(int level, const char *fmt, ...)
{
    static const char tag[] = "EWID";
    if (level > log_level) return;
    uint32_t now = board_now_ms();
    int n = snprintf(line, sizeof line, "[%6lu.%03lu] %c ", (unsigned long)(now / 1000),
                     (unsigned long)(now % 1000), tag[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2; /* truncated: keep the newline */
    line[len++] = '\n';
    board_console_write(line, len);
}

int log_level_parse(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0 || (s[0] == '0' + i && s[1] == 0)) return i;
    return -1;
}
