/* The closed sets of names the firmware puts on the wire: error codes (§Error codes), axis states,
 * fault codes, abort reasons, e-stop sources and limit keys. One registry: the enums here and the
 * names in codes.c; simulator/src/firmware/codes.test.ts keeps them equal to the protocol's table. */
#ifndef SE_CODES_H
#define SE_CODES_H

#include <stdint.h>

typedef enum {
  SE_OK = 0,
  SE_ERR_CRC,
  SE_ERR_SYNTAX,
  SE_ERR_TOO_LONG,
  SE_ERR_SEQ,
  SE_ERR_HELLO,
  SE_ERR_VERB,
  SE_ERR_ARGS,
  SE_ERR_AXIS,
  SE_ERR_RANGE,
  SE_ERR_STATE,
  SE_ERR_ESTOP,
  SE_ERR_QFULL,
  SE_ERR_COUNT
} se_code;

typedef enum { SE_ST_DISABLED = 0, SE_ST_IDLE, SE_ST_MOVING, SE_ST_HOMING, SE_ST_FAULT, SE_ST_ESTOP } se_axis_state;
typedef enum { SE_FAULT_NONE = 0, SE_FAULT_FERR, SE_FAULT_LIMIT, SE_FAULT_WATCHDOG, SE_FAULT_HOME, SE_FAULT_DRIVE } se_fault_code;
/** §v2 Triggered moves: ABORTED why=; NONE leaves it out. */
typedef enum { SE_WHY_NONE = 0, SE_WHY_STOP, SE_WHY_ESTOP, SE_WHY_FAULT, SE_WHY_LATE, SE_WHY_LIMIT } se_abort_reason;
typedef enum { SE_SRC_HOST = 0, SE_SRC_INPUT } se_estop_source;
typedef enum { SE_KEY_MIN = 0, SE_KEY_MAX, SE_KEY_VMAX, SE_KEY_AMAX, SE_KEY_FERR, SE_KEY_COUNT } se_limit_key;

extern const char *const se_code_names[SE_ERR_COUNT];
extern const char *const se_state_names[6];
extern const char *const se_fault_names[6];
extern const char *const se_why_names[6];
extern const char *const se_source_names[2];
extern const char *const se_limit_key_names[SE_KEY_COUNT];

#endif
