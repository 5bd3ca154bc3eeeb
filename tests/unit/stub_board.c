/* The board interface for host unit tests and fuzzers: a settable clock, deterministic
 * entropy, console to stderr, no network. */
#include <stdio.h>
#include <stdlib.h>

#include "app/board.h"

uint32_t test_clock_ms;

uint32_t board_now_ms(void)
{
    return test_clock_ms;
}
uint64_t board_now_us(void)
{
    return (uint64_t)test_clock_ms * 1000u;
}

/* Advances by one per read, so that every profiled region lasts at least one "ns". */
uint64_t board_now_ns(void)
{
    static uint64_t n;
    return (uint64_t)test_clock_ms * 1000000u + ++n;
}

int board_entropy(uint8_t *buf, size_t len)
{
    static uint32_t x = 0x2545f491u;
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
/* A test that reads the console sets this; otherwise lines go to stderr. */
void (*test_console_hook)(const char *s, size_t len);

void board_console_write(const char *s, size_t len)
{
    if (test_console_hook)
        test_console_hook(s, len);
    else
        fwrite(s, 1, len, stderr);
}
void board_netif_poll(void) {}
void board_idle(uint32_t max_ms)
{
    test_clock_ms += max_ms;
}
int board_should_stop(void)
{
    return 1;
}
void board_panic(const char *why)
{
    fprintf(stderr, "panic: %s\n", why);
    abort();
}
const char *board_name(void)
{
    return "test";
}
void board_net_stats(board_net_stats_t *out)
{
    *out = (board_net_stats_t){0, 0, 0, 0};
}
