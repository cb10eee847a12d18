/* The fake board of the host unit tests (see fake_platform.c). */
#ifndef SE_FAKE_PLATFORM_H
#define SE_FAKE_PLATFORM_H

#include <stdint.h>

#include "../core/platform.h"

typedef struct {
  uint8_t has_switch, switch_closed, has_feedback;
  int64_t feedback_counts;
} fake_axis_io;

typedef struct {
  uint16_t seq;
  uint8_t verb;
} fake_execution;

typedef struct {
  char out[16384];
  fake_execution executed[512];
  uint16_t executed_count;
  uint32_t out_len;
  uint16_t tx_pending;
  fake_axis_io axis[4];
} fake_platform_state;

extern fake_platform_state fake_platform;
void fake_platform_reset(void);

#endif
