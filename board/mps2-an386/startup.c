/* Reset and the vector table. Reset copies .data, zeroes .bss (and the PSRAM section) and
 * calls main(). There is no libc heap: _sbrk always fails, so a stray malloc returns NULL at
 * once instead of growing into the stack. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "board/mps2-an386/mps2.h"

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end,
    __psram_start, __psram_end;
int main(void);
void Reset_Handler(void) __attribute__((noreturn));
void HardFault_Handler(void); /* fault.c */
void SysTick_Handler(void);   /* clock.c */
void Eth_Handler(void);       /* main.c */

static void Default_Handler(void)
{
    /* An interrupt nobody enabled: report it as a fault (IPSR names it). */
    HardFault_Handler();
}

typedef void (*vector_t)(void);

/* 16 core exceptions, then the board's 32 interrupts (AN386: UARTs 0-5, timers, Ethernet
 * on 13, ...). Unused entries go to Default_Handler. */
__attribute__((section(".vectors"), used)) static const vector_t vectors[16 + 32] = {
    [0] = (vector_t)(uintptr_t)&__stack_top,
    [1] = Reset_Handler,
    [2] = Default_Handler,   /* NMI */
    [3] = HardFault_Handler, /* MemManage, BusFault and UsageFault escalate here too */
    [4] = HardFault_Handler,
    [5] = HardFault_Handler,
    [6] = HardFault_Handler,
    [7 ... 14] = Default_Handler, /* reserved, SVCall, DebugMonitor, PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + MPS2_ETH_IRQ - 1] = Default_Handler,
    [16 + MPS2_ETH_IRQ] = Eth_Handler,
    [16 + MPS2_ETH_IRQ + 1 ... 16 + 31] = Default_Handler,
};

void Reset_Handler(void)
{
    memcpy(&__data_start, &__data_load, (size_t)((char *)&__data_end - (char *)&__data_start));
    memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
    memset(&__psram_start, 0, (size_t)((char *)&__psram_end - (char *)&__psram_start));
    SCB_VTOR = (uint32_t)(uintptr_t)vectors;
    SCB_CCR |= SCB_CCR_DIV_0_TRP; /* integer division by zero faults instead of giving 0 */
    main();
    for (;;) {
        __asm volatile("wfi");
    }
}

/* newlib's only way to a heap. Refuse, so that malloc returns NULL. */
void *_sbrk(ptrdiff_t incr)
{
    (void)incr;
    errno = ENOMEM;
    return (void *)-1;
}
