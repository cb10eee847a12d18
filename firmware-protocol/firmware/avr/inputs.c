/* Home switches and the e-stop input (board.h), and the feedback this board does not have. */
#include "inputs.h"

#include "board.h"
#include "platform.h"

void se_inputs_init(void) {
  SE_HOME_DDR = 0;
  SE_HOME_PORT = 0x0F; /* pull-ups */
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
