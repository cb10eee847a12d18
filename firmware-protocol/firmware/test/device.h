/* Drives the core on the host as the board would: bytes in, lines out, time stepped in motion ticks.
 * No hardware and no sleeps: time is a tick counter. */
#ifndef SE_TEST_DEVICE_H
#define SE_TEST_DEVICE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/crc16.h"
#include "../core/motion.h"
#include "../core/session.h"
#include "fake_platform.h"

static uint64_t dev_ticks;
static uint32_t dev_read_at;
/** Simulated home switches: closed at or below this commanded position when dev_switches is set. */
static int dev_switches;
static int64_t dev_switch_counts = -2000;
/** Called after every tick, if set (a test's observer: profile checks, a jammed axis). */
static void (*dev_on_tick)(void);

static uint64_t dev_now_ms(void) { return (dev_ticks * 1000u) >> SE_TICK_SHIFT; }

/** Power-on: fresh board, BOOT emitted (left unread). */
static void dev_boot(void) {
  fake_platform_reset();
  dev_ticks = 0;
  dev_read_at = 0;
  dev_switches = 0;
  dev_on_tick = NULL;
  se_session_set_time(0);
  se_session_boot();
}

static void dev_bytes(const void *bytes, size_t len) {
  se_session_set_time(dev_now_ms());
  for (size_t i = 0; i < len; i++) se_session_receive(((const uint8_t *)bytes)[i]);
}

/** Sends `<body>*<CRC>` LF. */
static void dev_send(const char *body) {
  char line[160];
  int n = snprintf(line, sizeof line, "%s*%04X\n", body, se_crc16((const uint8_t *)body, (uint16_t)strlen(body)));
  dev_bytes(line, (size_t)n);
}

/** Runs the board for `ms` (rounded up to whole ticks): motion ticks and session polls. */
static void dev_run_ms(uint32_t ms) {
  uint64_t until = dev_now_ms() + ms;
  while (dev_now_ms() < until) {
    dev_ticks++;
    se_session_set_time(dev_now_ms());
    for (uint8_t axis = 1; dev_switches && axis <= 4; axis++) {
      fake_platform.axis[axis - 1].has_switch = 1;
      fake_platform.axis[axis - 1].switch_closed = se_motion_output_counts(axis) <= dev_switch_counts;
    }
    se_motion_tick(dev_ticks);
    se_session_poll();
    if (dev_on_tick) dev_on_tick();
  }
}

/** The next line the device wrote, without `*CRC` LF, or NULL; a line with a bad checksum is "BADCRC". */
static const char *dev_next_line(void) {
  static char body[160];
  if (dev_read_at >= fake_platform.out_len) return NULL;
  const char *start = fake_platform.out + dev_read_at;
  const char *lf = memchr(start, '\n', fake_platform.out_len - dev_read_at);
  if (!lf) return NULL;
  size_t len = (size_t)(lf - start);
  dev_read_at += (uint32_t)len + 1u;
  if (len < 5 || len - 5 >= sizeof body) return "BADCRC";
  memcpy(body, start, len - 5);
  body[len - 5] = 0;
  char crc[5];
  snprintf(crc, sizeof crc, "%04X", se_crc16((const uint8_t *)body, (uint16_t)(len - 5)));
  if (start[len - 5] != '*' || memcmp(crc, start + len - 4, 4) != 0) return "BADCRC";
  return body;
}

/** Drops what the device wrote so far. */
static inline void dev_drain(void) { dev_read_at = fake_platform.out_len; }

/** Number of unread lines. */
static inline int dev_pending_lines(void) {
  int n = 0;
  for (uint32_t i = dev_read_at; i < fake_platform.out_len; i++) n += fake_platform.out[i] == '\n';
  return n;
}

#define EXPECT_LINE(expected)                                                          \
  do {                                                                                 \
    const char *got_ = dev_next_line();                                                \
    CHECK(got_ && strcmp(got_, (expected)) == 0, "expected \"%s\", got \"%s\"", (expected), \
          got_ ? got_ : "(nothing)");                                                  \
  } while (0)

#define EXPECT_NOTHING() CHECK(dev_pending_lines() == 0, "unexpected \"%s\"", dev_next_line())

#endif
