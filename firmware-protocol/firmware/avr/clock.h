/* The motion tick: Timer3 in CTC mode at exactly 1024 Hz (16 MHz / 15625). */
#ifndef SE_AVR_CLOCK_H
#define SE_AVR_CLOCK_H

#include <stdint.h>

void se_clock_init(void);
/** Motion ticks since boot (1/1024 s each). */
uint32_t se_clock_ticks(void);
/** The same, for callers that already run with interrupts off. */
uint32_t se_clock_ticks_unlocked(void);

#endif
