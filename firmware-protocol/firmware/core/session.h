/* The device's side of the protocol (§Device rules 1-6, §v2 Negotiation, §v2 Events, §v2 Stop, §v2 Jog
 * lease timers): seq rules and the reply cache, HELLO, WDOG, ACK, the stop, the watchdog and the event
 * buffer with retransmission. It matches src/session/device-session.ts; motion.c executes the rest. */
#ifndef SE_SESSION_H
#define SE_SESSION_H

#include <stdint.h>

#include "messages.h"

/** Sets the device time (ms since boot) that the next calls run at. */
void se_session_set_time(uint64_t now_ms);
/** §Device rule 3: forget every session, power-on motion state, emit BOOT. */
void se_session_boot(void);
/** One received byte (§Framing). */
void se_session_receive(uint8_t byte);
/** Watchdog, jog leases and event retransmission; call every main-loop pass. */
void se_session_poll(void);
/** The hardware e-stop input went active (§Device rule 5, src=input). */
void se_session_estop_input(void);
/** An event from the axes: sequenced in a v2 session (§v2 Events), dropped if its version lacks it. */
void se_session_event(const se_event *event);
/** §Commands STREAM: one POS sample of `count` axes; split by axis if too long (§v2 Positions). */
void se_session_position_sample(uint64_t t_ms, const int64_t *pos, const int32_t *vel, uint8_t count);
/** 1 while the device has no session or its version (1 or 2); for the tests and the harness. */
uint8_t se_session_version(void);
/** §v2 Events: sequenced events sent and not yet acknowledged. */
uint8_t se_session_unacked_events(void);
/** §v2 Jog lease: a lease ends without LEASE (STOP, e-stop, fault). axis 0: all. */
void se_session_end_lease(uint8_t axis);

typedef struct {
  uint16_t events_sent;
  uint16_t event_retransmits;
  uint16_t events_lost;
  uint16_t line_stops;
  uint16_t watchdog_trips;
} se_session_stats;
const se_session_stats *se_session_get_stats(void);

#endif
