/* Minimal stand-in for the MPS2 AN386 board: enough to link the firmware for a Cortex-M4 so
 * that nothing Linux-only creeps into app/, port/ or lwIP. No network device yet. */
#include "app/app.h"
#include "app/board.h"

static volatile uint32_t ticks_ms; /* advanced by SysTick on the real board */

uint32_t board_now_ms(void)
{
    return ticks_ms;
}
uint64_t board_now_us(void)
{
    return (uint64_t)ticks_ms * 1000u;
}

int board_entropy(uint8_t *buf, size_t len)
{
    /* Not a secure source: the QEMU board has no TRNG. */
    static uint32_t x = 0x9e3779b9u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    return 0;
}

int board_entropy_is_strong(void)
{
    return 0;
}
void board_console_write(const char *s, size_t len)
{
    (void)s, (void)len;
}
void board_netif_poll(void) {}
void board_idle(uint32_t max_ms)
{
    ticks_ms += max_ms;
}
int board_should_stop(void)
{
    return 0;
}
void board_panic(const char *why)
{
    (void)why;
    for (;;) {
    }
}
const char *board_name(void)
{
    return "mps2-an386";
}
void board_net_stats(board_net_stats_t *out)
{
    *out = (board_net_stats_t){0, 0, 0, 0};
}

int main(void)
{
    app_config_t cfg = {.http_port = 80};
    app_init(&cfg);
    app_start();
    app_run();
    return 0;
}
