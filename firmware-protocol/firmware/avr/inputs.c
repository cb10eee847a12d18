/* Home switches and the e-stop input (board.h), the feedback this board does not have, and the
 * execution trace for the simavr harness. */
#include "inputs.h"

#include "board.h"
#include "platform.h"

void se_inputs_init(void) {
  SE_HOME_DDR = 0;
  SE_HOME_PORT = 0x0F; /* pull-ups (the e-stop's, on the same port, below) */
  SE_ESTOP_PORT |= _BV(SE_ESTOP_BIT);
}

uint8_t se_platform_home_switch(uint8_t axis) { return (uint8_t)!(SE_HOME_PIN & _BV(axis - 1u)); }

uint8_t se_inputs_estop_active(void) { return (uint8_t)((SE_ESTOP_PIN & _BV(SE_ESTOP_BIT)) != 0); }

/* No encoder inputs on this board: following error (§Commands SET FERR) applies where a port adds them. */
uint8_t se_platform_feedback(uint8_t axis, int64_t *actual_counts) {
  (void)axis;
  (void)actual_counts;
  return 0;
}

/* The execution trace: the seq in GPIOR1/GPIOR2, then the verb + 1 in GPIOR0, whose write the simavr
 * harness watches. Three register writes, and on a real board nothing reads them. */
void se_platform_executed(uint16_t seq, uint8_t verb) {
  GPIOR1 = (uint8_t)seq;
  GPIOR2 = (uint8_t)(seq >> 8);
  GPIOR0 = (uint8_t)(verb + 1u);
}
