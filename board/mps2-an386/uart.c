/* Console: CMSDK APB UART0, transmit only, polled. QEMU connects it to serial0 (stdio with
 * -nographic); on the real board it is the USB serial port of the MCC, 115200 8N1. */
#include <stdint.h>

#include "app/board.h"
#include "board/mps2-an386/mps2.h"

#define BAUD 115200u

void mps2_uart_init(void)
{
    UART_BAUDDIV(UART0_BASE) = MPS2_SYSCLK_HZ / BAUD;
    UART_CTRL(UART0_BASE) = UART_CTRL_TX_EN;
}

static void put_byte(char c)
{
    while (UART_STATE(UART0_BASE) & UART_STATE_TX_FULL) {
    }
    UART_DATA(UART0_BASE) = (uint8_t)c;
}

void mps2_uart_write(const char *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] == '\n') put_byte('\r'); /* terminals in raw mode need the carriage return */
        put_byte(s[i]);
    }
}

void board_console_write(const char *s, size_t len)
{
    mps2_uart_write(s, (uint32_t)len);
}
