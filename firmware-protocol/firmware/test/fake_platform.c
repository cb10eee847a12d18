/* The board as the host unit tests see it: writes go to a capture buffer, the home switches and
 * feedback are whatever the test sets. */
#include "fake_platform.h"

#include <string.h>

fake_platform_state fake_platform;

void fake_platform_reset(void) { memset(&fake_platform, 0, sizeof fake_platform); }

void se_platform_write(const uint8_t *bytes, uint8_t len) {
  if (fake_platform.out_len + len > sizeof fake_platform.out) return;
  memcpy(fake_platform.out + fake_platform.out_len, bytes, len);
  fake_platform.out_len += len;
  fake_platform.out[fake_platform.out_len] = 0;
}

uint16_t se_platform_tx_pending(void) { return fake_platform.tx_pending; }

uint8_t se_platform_home_switch(uint8_t axis) {
  const fake_axis_io *io = &fake_platform.axis[axis - 1];
  return io->has_switch && io->switch_closed ? 1 : 0;
}

uint8_t se_platform_feedback(uint8_t axis, int64_t *actual_counts) {
  const fake_axis_io *io = &fake_platform.axis[axis - 1];
  if (!io->has_feedback) return 0;
  *actual_counts = io->feedback_counts;
  return 1;
}

void se_platform_executed(uint16_t seq, uint8_t verb) {
  if (fake_platform.executed_count >= sizeof fake_platform.executed / sizeof fake_platform.executed[0]) return;
  fake_platform.executed[fake_platform.executed_count].seq = seq;
  fake_platform.executed[fake_platform.executed_count].verb = verb;
  fake_platform.executed_count++;
}
