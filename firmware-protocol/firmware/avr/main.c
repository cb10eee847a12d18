/* The firmware's entry point: board init, BOOT, then a main loop that never blocks (§Device rule 4):
 * each pass takes the received bytes, runs the motion ticks that have elapsed, updates the outputs,
 * reads the e-stop input and polls the session's timers. */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

#include "board.h"
#include "clock.h"
#include "inputs.h"
#include "motion.h"
#include "outputs.h"
#include "session.h"
#include "uart.h"

/** Bytes taken per pass: a line's worth, so motion ticks never wait behind a long burst. */
#define BYTES_PER_PASS 64u

static uint64_t ticks_done;

static uint64_t now_ms(void) { return (ticks_done * 1000u) >> SE_TICK_SHIFT; }

int main(void) {
  DDRB |= _BV(SE_HEARTBEAT_BIT) | _BV(SE_LED_BIT);
  set_sleep_mode(SLEEP_MODE_IDLE);
  se_uart_init();
  se_clock_init();
  se_inputs_init();
  se_outputs_init();
  sei();
  se_session_set_time(0);
  se_session_boot();
  for (;;) {
    PINB = _BV(SE_HEARTBEAT_BIT); /* writing 1 to PINx toggles the pin (datasheet §13.2.2) */
    uint32_t ticks = se_clock_ticks();
    while ((uint32_t)ticks_done != ticks) {
      ticks_done++;
      se_motion_tick(ticks_done);
    }
    se_session_set_time(now_ms());
    for (uint8_t n = 0; n < BYTES_PER_PASS; n++) {
      int16_t byte = se_uart_read();
      if (byte < 0) break;
      se_session_receive((uint8_t)byte);
    }
    se_outputs_update();
    if (se_motion_latched()) PORTB |= _BV(SE_LED_BIT);
    else PORTB &= (uint8_t)~_BV(SE_LED_BIT);
    if (se_motion_set_estop_input(se_inputs_estop_active())) se_session_estop_input();
    se_session_poll();
    /* Idle until the next interrupt (a motion tick, a received byte, an output edge) when there is
     * nothing to do; checked with interrupts off so a wake-up cannot slip in between. */
    cli();
    if (se_uart_rx_pending() == 0 && se_clock_ticks_unlocked() == (uint32_t)ticks_done) {
      sleep_enable();
      sei();
      sleep_cpu();
      sleep_disable();
    }
    sei();
  }
}
