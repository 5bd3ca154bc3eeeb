/* Faults: every fault ends in HardFault_Handler, which moves to a stack of its own (the
 * thread stack may be what overflowed), prints the fault status registers and the stacked
 * PC/LR on the UART with no libc involved, and halts so that a debugger or the test harness
 * sees the state as it was. Also the stack guard: an MPU region with no access over the
 * lowest 32 bytes of the stack, so that an overflow faults before it reaches .data. */
#include <stdint.h>

#include "app/board.h"
#include "board/mps2-an386/mps2.h"

extern uint32_t __stack_limit;
uint32_t fault_stack[256]; /* used only by the fault report; referenced from assembly */
void fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t msp)
    __attribute__((noreturn, used));

static void put(const char *s)
{
    uint32_t n = 0;
    while (s[n])
        n++;
    mps2_uart_write(s, n);
}

static void put_hex(const char *name, uint32_t v)
{
    char b[20] = " ", *p = b + 1;
    while (*name)
        *p++ = *name++;
    *p++ = '=';
    for (int i = 7; i >= 0; i--)
        *p++ = "0123456789abcdef"[(v >> (4 * i)) & 15];
    *p = 0;
    put(b);
}

static void halt(void) __attribute__((noreturn));
static void halt(void)
{
    __asm volatile("cpsid i");
    for (;;) {
        __asm volatile("wfi");
    }
}

void fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t msp)
{
    uint32_t ipsr, cfsr = SCB_CFSR;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    put("\n*** FAULT:");
    put_hex("ipsr", ipsr & 0x1FF);
    put_hex("CFSR", cfsr);
    put_hex("HFSR", SCB_HFSR);
    put_hex("MMFAR", SCB_MMFAR);
    put_hex("BFAR", SCB_BFAR);
    put_hex("EXC_RETURN", exc_return);
    put_hex("SP", msp);
    /* MSTKERR/STKERR: the frame could not be pushed, so there is nothing to read there. */
    uint32_t stk = (uintptr_t)frame;
    if ((cfsr & ((1u << 4) | (1u << 12))) == 0 && stk >= 0x20000000u && stk < 0x20400000u - 32) {
        put_hex("PC", frame[6]);
        put_hex("LR", frame[5]);
        put_hex("xPSR", frame[7]);
    } else {
        put(" (no stacked frame: stack overflow or bad SP)");
    }
    if (stk < (uintptr_t)&__stack_limit + 64 && stk >= (uintptr_t)&__stack_limit - 64)
        put(" -- stack overflow (MPU guard)");
    put("\n*** halted\n");
    halt();
}

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm volatile("tst lr, #4          \n"
                   "ite eq              \n"
                   "mrseq r0, msp       \n"
                   "mrsne r0, psp       \n"
                   "mov r1, lr          \n"
                   "mrs r2, msp         \n"
                   "ldr r3, =fault_stack\n"
                   "add r3, r3, #1024   \n"
                   "mov sp, r3          \n"
                   "b fault_report      \n");
}

void board_panic(const char *why)
{
    put("\n*** PANIC: ");
    put(why);
    put("\n*** halted\n");
    halt();
}

void mps2_stack_guard_init(void)
{
    /* Region 0: 32 bytes at the stack's lowest address, no access, never executable.
     * RASR.SIZE = 4 means 2^(4+1) = 32 bytes; the base is 32-byte aligned by the linker. */
    MPU_RNR = 0;
    MPU_RBAR = (uint32_t)(uintptr_t)&__stack_limit;
    MPU_RASR = (1u << 28) | (0u << 24) | (4u << 1) | 1u;
    /* Region 1: the code memory is read-only, so a write through a null or wild pointer
     * faults instead of patching code. 4 MB: SIZE = 21. AP = 0b110, read-only. */
    MPU_RNR = 1;
    MPU_RBAR = 0x00000000u;
    MPU_RASR = (6u << 24) | (21u << 1) | 1u;
    MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __asm volatile("dsb\n isb" ::: "memory");
}
