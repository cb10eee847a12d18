/* Wire names of codes.h's enums, in enum order (§Error codes, §Commands GET st, §Events FAULT code,
 * §v2 Triggered moves why, §Events ESTOP src, §Commands SET KEY). */
#include "codes.h"

const char *const se_code_names[SE_ERR_COUNT] = {
    "OK", "CRC", "SYNTAX", "TOO_LONG", "SEQ", "HELLO", "VERB", "ARGS", "AXIS", "RANGE", "STATE", "ESTOP", "QFULL",
};
const char *const se_state_names[6] = {"DISABLED", "IDLE", "MOVING", "HOMING", "FAULT", "ESTOP"};
const char *const se_fault_names[6] = {"", "FERR", "LIMIT", "WATCHDOG", "HOME", "DRIVE"};
const char *const se_why_names[6] = {"", "STOP", "ESTOP", "FAULT", "LATE", "LIMIT"};
const char *const se_source_names[2] = {"host", "input"};
const char *const se_limit_key_names[SE_KEY_COUNT] = {"MIN", "MAX", "VMAX", "AMAX", "FERR"};
