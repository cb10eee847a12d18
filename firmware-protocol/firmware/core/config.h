/* What this device advertises and how it is sized (§Device rule 4, §v2 Negotiation, §v2 Sizing).
 * Each value may be overridden at build time with -D (FIRMWARE_DEFINES="-DSE_AXES=2" make). */
#ifndef SE_CONFIG_H
#define SE_CONFIG_H

#ifndef SE_FW_VERSION
#define SE_FW_VERSION "0.1.0"
#endif
/** §v2 Negotiation: the highest version this firmware speaks (1 builds a v1-only device). */
#ifndef SE_MAX_PROTOCOL
#define SE_MAX_PROTOCOL 2u
#endif

#ifndef SE_AXES
#define SE_AXES 4u
#endif
/** §Device rule 4 rx=: the host never has more unanswered bytes out. The UART ring holds twice this. */
#ifndef SE_RX_BYTES
#define SE_RX_BYTES 128u
#endif
/** §Device rule 4 win=, and in v2 the size of the reply cache (§v2 Sizing); at most 32. */
#ifndef SE_WINDOW_FRAMES
#define SE_WINDOW_FRAMES 4u
#endif
/** §Device rule 2: a v1 session caches the 32 replies before `next`. */
#define SE_V1_REPLY_CACHE 32u
/** qd=: moves queued per axis, the running one included. */
#ifndef SE_QUEUE_DEPTH
#define SE_QUEUE_DEPTH 4u
#endif
/** §Device rule 6: the watchdog period a session starts with. */
#define SE_WATCHDOG_DEFAULT_MS 1000u
#define SE_WATCHDOG_MIN_MS 100u
#define SE_WATCHDOG_MAX_MS 60000u
/** §v2 Events ev=: the event buffer; §v2 Sizing recommends at least 8. */
#define SE_EVENT_WINDOW 8u
/** §v2 Positions pmax=: 2^47-1, the least a v2 device may accept. Motion keeps positions in Q16 int64. */
#define SE_POSITION_MAX 140737488355327LL
/** §v2 Jog lease: lease bounds, ms. */
#define SE_LEASE_MIN_MS 50u
#define SE_LEASE_MAX_MS 5000u
/** §v2 Events: evto = this + the wire time of the unacknowledged events. */
#define SE_EVENT_RETRANSMIT_BASE_MS 100u
/** §Physical layer: the line rate, for wire times. */
#define SE_BAUD 115200ul
/** §Commands STREAM: at most 200 Hz. */
#define SE_STREAM_MAX_HZ 200u

/* §v2 Negotiation feat=: the optional v2 features this build implements. */
#ifndef SE_FEATURE_TRIG
#define SE_FEATURE_TRIG 1
#endif
#ifndef SE_FEATURE_LEASE
#define SE_FEATURE_LEASE 1
#endif

/* Per-axis defaults, the same as the TypeScript simulator's (simulator/src/config.ts), so the contract
 * suite finds the same limits. SET changes MIN MAX VMAX AMAX FERR at run time. A step/dir output follows
 * at up to 20 000 steps/s (avr/outputs.c): a faster move is accepted, and its steps catch up after it;
 * set VMAX to what the drive and the step rate allow (README "Outputs"). */
#define SE_DEFAULT_VMAX 200000L
#define SE_DEFAULT_AMAX 2000000L
#define SE_DEFAULT_FERR 1000L
/* Homing (§Commands HOME): downward to the switch, back off until it opens, stop, set 0. One search
 * range for every axis. Each may be set at build time (the contract suite's device does). */
#define SE_HOME_DIRECTION (-1)
#ifndef SE_HOME_VELOCITY
#define SE_HOME_VELOCITY 20000L
#endif
#ifndef SE_HOME_BACKOFF_VELOCITY
#define SE_HOME_BACKOFF_VELOCITY 2000L
#endif
#ifndef SE_HOME_ACCELERATION
#define SE_HOME_ACCELERATION 200000L
#endif
#ifndef SE_HOME_SEARCH_RANGE
#define SE_HOME_SEARCH_RANGE 2000000L
#endif

/* Outputs per axis, chosen at build time (README "Outputs"): step/dir pulses, or hobby-servo pulses
 * (1000-2000 us every 20 ms, 1 count = 1 us from the 1500 us centre, so MIN/MAX default to +-500). */
#define SE_OUTPUT_STEP_DIR 0
#define SE_OUTPUT_SERVO 1
#ifndef SE_AXIS_OUTPUTS
#define SE_AXIS_OUTPUTS {SE_OUTPUT_STEP_DIR, SE_OUTPUT_STEP_DIR, SE_OUTPUT_SERVO, SE_OUTPUT_SERVO}
#endif
#define SE_SERVO_CENTRE_US 1500
#define SE_SERVO_HALF_RANGE_US 500

#endif
