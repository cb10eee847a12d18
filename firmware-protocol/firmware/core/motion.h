/* The axes behind the session (§Commands): state, move queue, trapezoid profiles, jog, homing, soft
 * limits, following error, triggered moves, the latches, and STREAM. The session calls the se_motion_*
 * command hooks; the platform calls se_motion_tick at SE_TICK_HZ and reads the commanded positions. */
#ifndef SE_MOTION_H
#define SE_MOTION_H

#include <stdint.h>

#include "commands.h"
#include "messages.h"

/** The motion tick: 1024 Hz, so per-tick velocity and acceleration are shifts, not divisions. */
#define SE_TICK_HZ 1024u
#define SE_TICK_SHIFT 10u
/** Positions and velocities are kept in Q16 (counts × 65536) inside the motion core. */
#define SE_Q 16u

/** Power-on state; emits nothing. */
void se_motion_boot(void);
/** Executes a handled verb (everything but HELLO, WDOG and ACK) that passed the seq rules, exactly
 * once, and fills `reply` (its seq is the session's). Never blocks (§Device rule 4). */
void se_motion_execute(const se_command *cmd, se_reply *reply);
/** §Device rule 5 / §v2 Stop: every axis stops at once, queued moves ABORTED, ESTOP latched. */
void se_motion_estop(void);
/** §Device rule 6: moving axes make a controlled stop, moves ABORTED, the device fault latches. */
void se_motion_watchdog(void);
/** A new session: telemetry off; the axes keep moving (§v2 Negotiation). */
void se_motion_session_started(void);
/** §v2 Jog lease: the lease of `axis` ran out. Returns 1 and the position if the axis was jogging. */
uint8_t se_motion_lease_expired(uint8_t axis, int64_t *pos);
/** Records the e-stop input level; returns 1 on a rising edge (the caller latches through the session). */
uint8_t se_motion_set_estop_input(uint8_t active);
/** Motion tick number `tick` (1, 2, ... since boot, 1/1024 s each): profiles, triggers, homing,
 * limits, STREAM. Device ms are tick × 1000 / 1024. */
void se_motion_tick(uint64_t tick);
/** The commanded position of `axis` in whole counts, in the power-on frame (what the outputs show). */
int64_t se_motion_output_counts(uint8_t axis);
/** 1 while ESTOP, the watchdog fault or an axis fault is latched (the board's LED shows it). */
uint8_t se_motion_latched(void);
/** 1 while the drive of `axis` is enabled (outputs active). */
uint8_t se_motion_output_enabled(uint8_t axis);

#endif
