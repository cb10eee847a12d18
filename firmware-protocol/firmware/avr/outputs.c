/* Step/dir: Timer4 CTC at 20 kHz. Each interrupt ends the previous step pulses and, per step axis
 * whose step count is behind its commanded position, raises one step; a change of direction takes
 * one interrupt of its own, so DIR is set up 50 us before the next STEP edge (A4988, DRV8825 and
 * TB6600 drivers ask for 0.2-5 us). So a step axis follows at up to 20 000 steps/s, and its step
 * count equals its commanded position whenever it is not moving faster than that.
 * Servo: Timer1 at 2 MHz (prescaler 8), one compare interrupt per pulse edge, the channels one after
 * another in a 20 ms frame, as the Arduino Servo library does; a disabled axis gets no pulses. */
#include "outputs.h"

#include <avr/interrupt.h>
#include <util/atomic.h>

#include "board.h"
#include "config.h"
#include "motion.h"

#define STEP_HZ 20000u
#define SERVO_TICKS_PER_US 2u
#define SERVO_FRAME_TICKS (20000u * SERVO_TICKS_PER_US)

static const uint8_t kinds[SE_AXES] = SE_AXIS_OUTPUTS;

static volatile int32_t step_target[SE_AXES];
static int32_t step_count[SE_AXES];
static uint8_t dir_up[SE_AXES];
static volatile uint8_t step_enabled;
static volatile uint16_t servo_ticks[SE_AXES];
static volatile uint8_t servo_enabled;
/** The servo channel whose pulse starts at the next compare, or -1 for the rest of the frame. */
static int8_t servo_next = -1;
static uint16_t servo_frame_used;

void se_outputs_init(void) {
  SE_STEP_DDR = 0xFF;
  SE_ENABLE_PORT = 0x0F; /* drivers disabled (active low) */
  SE_ENABLE_DDR = 0x0F;
  SE_SERVO_DDR = 0x0F;
  for (uint8_t i = 0; i < SE_AXES; i++) servo_ticks[i] = SE_SERVO_CENTRE_US * SERVO_TICKS_PER_US;
  TCCR4A = 0;
  TCCR4B = _BV(WGM42) | _BV(CS40);
  OCR4A = (uint16_t)(F_CPU / STEP_HZ - 1u);
  TIMSK4 = _BV(OCIE4A);
  TCCR1A = 0;
  TCCR1B = _BV(CS11);
  OCR1A = SERVO_FRAME_TICKS / 2u;
  TIMSK1 = _BV(OCIE1A);
}

/* ISR_NOBLOCK: the servo edges and the UART must not wait behind the step loop (a servo edge late by
 * the length of this handler, ~10 us, would be a pulse 10 counts off). */
ISR(TIMER4_COMPA_vect, ISR_NOBLOCK) {
  uint8_t port = SE_STEP_PORT;
  uint8_t steps = 0;
  uint8_t busy = 0;
  for (uint8_t i = 0; i < SE_AXES; i++) port &= (uint8_t)~_BV(SE_STEP_BIT(i));
  for (uint8_t i = 0; i < SE_AXES; i++) {
    if (kinds[i] != SE_OUTPUT_STEP_DIR || !(step_enabled & _BV(i))) continue;
    int32_t behind = step_target[i] - step_count[i];
    if (behind == 0) continue;
    busy = 1;
    uint8_t up = behind > 0;
    if (up != dir_up[i]) {
      dir_up[i] = up;
      if (up) port |= _BV(SE_DIR_BIT(i));
      else port &= (uint8_t)~_BV(SE_DIR_BIT(i));
      continue;
    }
    steps |= _BV(SE_STEP_BIT(i));
    step_count[i] += up ? 1 : -1;
  }
  SE_STEP_PORT = port; /* falling edges of the last pulses, and DIR changes */
  SE_STEP_PORT = port | steps;
  /* Nothing behind and no pulse to end: sleep until se_outputs_update moves a target. */
  if (!busy) {
    TIMSK4 &= (uint8_t)~_BV(OCIE4A);
    TCCR4B = 0;
  }
}

/* One port write per compare ends the pulse that was running and starts the next, so both edges of a
 * pulse sit at the same point of this handler and its width is the compare interval, to the cycle. */
ISR(TIMER1_COMPA_vect) {
  int8_t channel = servo_next;
  SE_SERVO_PORT = (uint8_t)((SE_SERVO_PORT & 0xF0u) | (channel >= 0 ? _BV(channel) : 0));
  if (channel >= 0) {
    uint16_t width = servo_ticks[channel];
    OCR1A += width;
    servo_frame_used += width;
  } else {
    /* The rest of the 20 ms frame. */
    OCR1A += (uint16_t)(SERVO_FRAME_TICKS - servo_frame_used);
    servo_frame_used = 0;
  }
  /* The pulse that starts at the next compare: the next enabled servo channel, or the frame's rest. */
  int8_t next = (int8_t)(channel + 1);
  while (next < (int8_t)SE_AXES && (kinds[next] != SE_OUTPUT_SERVO || !(servo_enabled & _BV(next)))) next++;
  servo_next = next < (int8_t)SE_AXES ? next : -1;
}

/* The step timer runs only while an axis has steps to make: stopped, it costs no interrupts at all
 * (and in simavr no simulated compare events, 20 000 a second). */
static void step_timer_on(void) {
  if (TCCR4B) return;
  TCNT4 = 0;
  TCCR4B = _BV(WGM42) | _BV(CS40);
  TIMSK4 |= _BV(OCIE4A);
}

void se_outputs_update(void) {
  uint8_t enabled = 0;
  for (uint8_t i = 0; i < SE_AXES; i++) {
    uint8_t axis = (uint8_t)(i + 1u);
    int64_t counts = se_motion_output_counts(axis);
    if (se_motion_output_enabled(axis)) enabled |= _BV(i);
    if (kinds[i] == SE_OUTPUT_SERVO) {
      /* 1 count = 1 us from the centre, within 1000-2000 us whatever the limits say. */
      int64_t us = SE_SERVO_CENTRE_US + counts;
      if (us < SE_SERVO_CENTRE_US - SE_SERVO_HALF_RANGE_US) us = SE_SERVO_CENTRE_US - SE_SERVO_HALF_RANGE_US;
      if (us > SE_SERVO_CENTRE_US + SE_SERVO_HALF_RANGE_US) us = SE_SERVO_CENTRE_US + SE_SERVO_HALF_RANGE_US;
      ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { servo_ticks[i] = (uint16_t)(us * SERVO_TICKS_PER_US); }
    } else {
      /* Steps count modulo 2^32: the interrupt only ever needs the difference. */
      ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
        if (step_target[i] != (int32_t)counts) step_timer_on();
        step_target[i] = (int32_t)counts;
      }
    }
  }
  if (enabled != step_enabled) step_timer_on();
  step_enabled = enabled;
  servo_enabled = enabled;
  SE_ENABLE_PORT = (uint8_t)((SE_ENABLE_PORT & 0xF0u) | (~enabled & 0x0Fu));
}
