/* Timer3, CTC on OCR3A, no prescaler: 16 000 000 / 15 625 = 1024 Hz exactly (ATmega2560 datasheet
 * §17 16-bit Timer/Counter, mode 4). A power-of-two tick keeps the motion maths to shifts. */
#include "clock.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/atomic.h>

static volatile uint32_t ticks;

void se_clock_init(void) {
  TCCR3A = 0;
  TCCR3B = _BV(WGM32) | _BV(CS30);
  OCR3A = 15624;
  TIMSK3 = _BV(OCIE3A);
}

ISR(TIMER3_COMPA_vect) { ticks++; }

uint32_t se_clock_ticks(void) {
  uint32_t now;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { now = ticks; }
  return now;
}

uint32_t se_clock_ticks_unlocked(void) { return ticks; }
