/* The few functions lwIP expects from its platform, mapped onto the board interface. */
#include <stdarg.h>
#include <stdio.h>

#include "app/board.h"
#include "app/log.h"
#include "lwip/arch.h"
#include "lwip/opt.h"
#include "lwip/sys.h"

/* conn_space() (app/http/server.c) budgets every write from lwIP's heap and segment-pool
 * statistics, and /api/health reports them: without these options lwIP would not keep the
 * counters they read. */
_Static_assert(LWIP_STATS != 0 && MEM_STATS != 0 && MEMP_STATS != 0,
               "port/lwipopts.h must enable LWIP_STATS, MEM_STATS and MEMP_STATS");

u32_t sys_now(void)
{
    return board_now_ms();
}

void edge_lwip_diag(const char *fmt, ...)
{
    static char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    LOGD("lwip: %s", buf);
}

void edge_lwip_assert(const char *msg, const char *file, int line)
{
    log_write(LOG_ERROR, "lwip assertion \"%s\" failed at %s:%d", msg, file, line);
    board_panic("lwip assertion");
}

uint32_t edge_lwip_rand(void)
{
    uint32_t r = 0;
    board_entropy((uint8_t *)&r, sizeof r);
    return r;
}
