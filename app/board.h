/* The only door from app/ to the hardware. Each board (board/<name>/) implements these;
 * app/ never includes an OS or board header. */
#ifndef EDGE_BOARD_H
#define EDGE_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since boot, monotonic, wrapping at 2^32. */
uint32_t board_now_ms(void);

/* Microseconds since boot, monotonic, for slice and latency measurements only. */
uint64_t board_now_us(void);

/* Nanoseconds since boot, monotonic, at the board's own resolution, for profiling only
 * (GEN_PROFILE): Linux clock_gettime; mps2-an386 one SysTick count, 40 ns at 25 MHz, which
 * under QEMU's -icount shift=0 is 40 instructions. */
uint64_t board_now_ns(void);

/* Fill buf with len bytes from the board's entropy source. Returns 0 on success.
 * Boards without a true RNG say so in their README and in /api/health. */
int board_entropy(uint8_t *buf, size_t len);

/* Write text to the console (stdout, UART). Not NUL-terminated; may block briefly. */
void board_console_write(const char *s, size_t len);

/* Move received frames from the network device into lwIP, at most a bounded number per
 * call, so that one loop pass stays short. */
void board_netif_poll(void);

/* Sleep until a frame arrives or max_ms elapse, whichever comes first. max_ms == 0 means
 * return at once (work is pending). */
void board_idle(uint32_t max_ms);

/* Non-zero once the board wants the superloop to end (SIGINT/SIGTERM on Linux). */
int board_should_stop(void);

/* Stop after an unrecoverable error (failed assertion): print why, then halt or exit so that
 * a supervisor or debugger sees it. */
void board_panic(const char *why) __attribute__((noreturn));

/* Frame counters of the board's network device, for /api/health. */
typedef struct {
    uint32_t frames_in, frames_out, dropped_in, dropped_out;
} board_net_stats_t;
void board_net_stats(board_net_stats_t *out);

/* Short name of the board ("linux", "mps2-an386"), reported by /api/health. */
const char *board_name(void);

/* Whether board_entropy() is cryptographically strong (reported by /api/health). */
int board_entropy_is_strong(void);

#endif
