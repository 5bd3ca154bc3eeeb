/* The few memory-mapped registers of the MPS2 AN386 board and the Cortex-M4 core that the
 * board code touches. Written from the AN386 application note and the ARMv7-M reference
 * manual; no CMSIS, so that nothing of it can leak into app/. */
#ifndef EDGE_MPS2_H
#define EDGE_MPS2_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Clock: QEMU's model and the real FPGA image both run the core at 25 MHz. */
#define MPS2_SYSCLK_HZ 25000000u

/* ---- CMSDK APB UART0 (console; QEMU's serial0) ------------------------------------- */
#define UART0_BASE         0x40004000u
#define UART_DATA(b)       REG32((b) + 0x00)
#define UART_STATE(b)      REG32((b) + 0x04)
#define UART_CTRL(b)       REG32((b) + 0x08)
#define UART_BAUDDIV(b)    REG32((b) + 0x10)
#define UART_STATE_TX_FULL (1u << 0)
#define UART_CTRL_TX_EN    (1u << 0)

/* ---- LAN9118 Ethernet controller (a LAN9220 on the real FPGA image), IRQ 13 ------- */
#define MPS2_ETH_BASE 0x40200000u
#define MPS2_ETH_IRQ  13

/* ---- System control space ----------------------------------------------------------- */
#define SYST_CSR           REG32(0xE000E010u)
#define SYST_RVR           REG32(0xE000E014u)
#define SYST_CVR           REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1: the processor clock */

#define NVIC_ISER0 REG32(0xE000E100u)
#define NVIC_ICER0 REG32(0xE000E180u)
#define NVIC_ICPR0 REG32(0xE000E280u)

#define SCB_VTOR          REG32(0xE000ED08u)
#define SCB_AIRCR         REG32(0xE000ED0Cu)
#define SCB_CCR           REG32(0xE000ED14u)
#define SCB_SHCSR         REG32(0xE000ED24u)
#define SCB_CFSR          REG32(0xE000ED28u)
#define SCB_HFSR          REG32(0xE000ED2Cu)
#define SCB_MMFAR         REG32(0xE000ED34u)
#define SCB_BFAR          REG32(0xE000ED38u)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define AIRCR_SYSRESETREQ (0x05FA0000u | (1u << 2))

#define MPU_CTRL            REG32(0xE000ED94u)
#define MPU_RNR             REG32(0xE000ED98u)
#define MPU_RBAR            REG32(0xE000ED9Cu)
#define MPU_RASR            REG32(0xE000EDA0u)
#define MPU_CTRL_ENABLE     (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* privileged code keeps the default memory map */

/* ---- Shared between the board's modules --------------------------------------------- */
void mps2_clock_init(void);
void mps2_uart_init(void);
void mps2_uart_write(const char *s, uint32_t len);
void mps2_entropy_init(const uint8_t mac[6]);
void mps2_entropy_stir(uint32_t sample);
void mps2_stack_guard_init(void);
void mps2_udp_echo_start(void);

#endif
