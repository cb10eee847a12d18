/* UART0 rings (ATmega640/1280/2560 datasheet §22 USART). 115200 baud from 16 MHz needs U2X0 = 1 and
 * UBRR0 = 16 (2.1 % error, what the Arduino core and its bootloader use). The receive ring is larger
 * than the rx= the device advertises (§Device rule 4), so a host that keeps to rx never overruns it
 * while the main loop is busy; the transmit ring holds several replies and events. */
#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

#include "config.h"
#include "platform.h"

/* Twice what the host may have unanswered (rx=, §Device rule 4): a full window arriving while the
 * main loop formats a long reply still fits. */
#define RX_RING_BYTES (2u * SE_RX_BYTES)
#define TX_RING_BYTES 512u

static volatile uint8_t rx_ring[RX_RING_BYTES];
static volatile uint16_t rx_head; /* written by the ISR */
static uint16_t rx_tail;
static volatile uint8_t tx_ring[TX_RING_BYTES];
static uint16_t tx_head;
static volatile uint16_t tx_tail; /* written by the ISR */

void se_uart_init(void) {
  UCSR0A = _BV(U2X0);
  UBRR0 = 16;
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
}

ISR(USART0_RX_vect) {
  uint8_t byte = UDR0;
  uint16_t next = (uint16_t)((rx_head + 1u) % RX_RING_BYTES);
  if (next != rx_tail) { /* full: the byte is lost, as a real UART overruns */
    rx_ring[rx_head] = byte;
    rx_head = next;
  }
}

ISR(USART0_UDRE_vect) {
  uint16_t tail = tx_tail;
  if (tail == tx_head) {
    UCSR0B &= (uint8_t)~_BV(UDRIE0);
    return;
  }
  UDR0 = tx_ring[tail];
  tx_tail = (uint16_t)((tail + 1u) % TX_RING_BYTES);
}

/* rx_head is 16 bits, written by the ISR: read it with interrupts off so it cannot tear. */
static uint16_t read_rx_head(void) {
  uint16_t head;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { head = rx_head; }
  return head;
}

int16_t se_uart_read(void) {
  if (rx_tail == read_rx_head()) return -1;
  uint8_t byte = rx_ring[rx_tail];
  rx_tail = (uint16_t)((rx_tail + 1u) % RX_RING_BYTES);
  return byte;
}

uint16_t se_uart_rx_pending(void) {
  return (uint16_t)((read_rx_head() + RX_RING_BYTES - rx_tail) % RX_RING_BYTES);
}

/* tx_tail is 16 bits, written by the ISR: read it with interrupts off so it cannot tear. */
static uint16_t read_tx_tail(void) {
  uint16_t tail;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { tail = tx_tail; }
  return tail;
}

uint16_t se_platform_tx_pending(void) {
  uint16_t tail = read_tx_tail();
  return (uint16_t)((tx_head + TX_RING_BYTES - tail) % TX_RING_BYTES);
}

void se_platform_write(const uint8_t *bytes, uint8_t len) {
  for (uint8_t i = 0; i < len; i++) {
    uint16_t next = (uint16_t)((tx_head + 1u) % TX_RING_BYTES);
    /* Full: wait for the UART. The core bounds its output (replies within the host's window, events
     * within ev=), so this waits at most one ring's wire time, 44 ms at 115200 baud, and only when
     * a STREAM rate fills the line. */
    while (next == read_tx_tail()) {
    }
    tx_ring[tx_head] = bytes[i];
    tx_head = next;
    UCSR0B |= _BV(UDRIE0);
  }
}
