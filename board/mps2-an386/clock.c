/* Time: SysTick interrupts at 1 kHz from the 25 MHz core clock and counts milliseconds;
 * microseconds come from the same counter plus SysTick's current value. Idle: WFI, woken by
 * the next tick or by the Ethernet interrupt. */
#include <stdint.h>

#include "app/board.h"
#include "board/mps2-an386/mps2.h"
#include "drivers/lan9118/lan9118.h"

#define TICK_HZ       1000u
#define TICK_LOAD     (MPS2_SYSCLK_HZ / TICK_HZ) /* core cycles per tick */
#define CYCLES_PER_US (MPS2_SYSCLK_HZ / 1000000u)

static volatile uint32_t ticks_lo, ticks_hi; /* 64-bit ms count, written only by the ISR */

void SysTick_Handler(void)
{
    uint32_t lo = ticks_lo + 1;
    if (lo == 0) ticks_hi++;
    ticks_lo = lo;
}

void mps2_clock_init(void)
{
    SYST_RVR = TICK_LOAD - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint32_t board_now_ms(void)
{
    return ticks_lo;
}

/* Milliseconds and the core cycles since the last tick, read together: re-read if a tick
 * came in between (the ISR runs as soon as SysTick wraps). */
static uint64_t now_ms_cycles(uint32_t *cycles)
{
    uint32_t lo, hi, val;
    do {
        hi = ticks_hi;
        lo = ticks_lo;
        val = SYST_CVR;
    } while (lo != ticks_lo || hi != ticks_hi);
    *cycles = TICK_LOAD - 1 - val;
    return ((uint64_t)hi << 32) | lo;
}

uint64_t board_now_us(void)
{
    uint32_t cycles;
    uint64_t ms = now_ms_cycles(&cycles);
    return ms * 1000u + cycles / CYCLES_PER_US;
}

/* At SysTick's own resolution: one count of the 25 MHz clock, 40 ns (40 instructions under
 * QEMU's -icount shift=0). */
uint64_t board_now_ns(void)
{
    uint32_t cycles;
    uint64_t ms = now_ms_cycles(&cycles);
    return ms * 1000000u + cycles * (1000000000u / MPS2_SYSCLK_HZ);
}

void board_idle(uint32_t max_ms)
{
    uint32_t start = ticks_lo;
    while ((uint32_t)(ticks_lo - start) < max_ms) {
        if (lan9118_rx_pending()) return;
        /* A frame that lands between the check and WFI raises the Ethernet interrupt and
         * wakes us anyway; without it, the next tick does, at most 1 ms later. */
        __asm volatile("wfi" ::: "memory");
    }
}
