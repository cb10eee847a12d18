/* UART0 of the ATmega2560 (the Mega 2560's USB serial through its 16U2): interrupt-driven receive
 * and transmit rings, 8N1 at 115200 baud (§Physical layer). */
#ifndef SE_AVR_UART_H
#define SE_AVR_UART_H

#include <stdint.h>

void se_uart_init(void);
/** The next received byte, or -1 if none. Called from the main loop only. */
int16_t se_uart_read(void);
/** Bytes received and not yet read. */
uint16_t se_uart_rx_pending(void);

#endif
