/* The command table (§Commands, §v2 New commands) and the parser that reads a checked line's tokens
 * against it, as a session of a given version reads them. The TypeScript table in
 * src/wire/messages.ts is the normative one; this is its C form for the device. */
#ifndef SE_COMMANDS_H
#define SE_COMMANDS_H

#include <stdint.h>

#include "codes.h"
#include "line_check.h"

typedef enum {
  SE_VERB_HELLO = 0,
  SE_VERB_PING,
  SE_VERB_ENABLE,
  SE_VERB_DISABLE,
  SE_VERB_MOVE,
  SE_VERB_JOG,
  SE_VERB_STOP,
  SE_VERB_HOME,
  SE_VERB_GET,
  SE_VERB_SET,
  SE_VERB_STREAM,
  SE_VERB_RESET,
  SE_VERB_WDOG,
  SE_VERB_ACK,
  SE_VERB_TMOVE,
  SE_VERB_RENEW,
  SE_VERB_COUNT
} se_verb;

#define SE_MAX_ARGS 7u

typedef struct {
  uint16_t seq;
  uint8_t verb;
  uint8_t argc;
  /** Arguments in table order; enums (SET's key, ACK's RESEND) as their index, positions as int64. */
  int64_t arg[SE_MAX_ARGS];
} se_command;

/**
 * Reads the tokens of a line that passed se_check_line. Returns SE_OK and fills `cmd`; SE_ERR_SYNTAX
 * if there is no seq or no verb (cmd->seq set when readable); SE_ERR_VERB or SE_ERR_ARGS (cmd->seq and
 * cmd->verb set) for a well-framed line the table refuses (§Device rule 1: cached, `next` advances).
 * HELLO is read with `hello_version` whatever the session's `version` (§v2 Negotiation).
 */
se_code se_parse_command(const uint8_t *line, const se_tokens *tokens, uint8_t version, uint8_t hello_version,
                         se_command *cmd);
/** The verb's name (for the table test). */
extern const char *const se_verb_names[SE_VERB_COUNT];
/** 1 for the verbs §Device rule 5 refuses while ESTOP is latched (ENABLE, MOVE, JOG, HOME, TMOVE, RENEW). */
uint8_t se_verb_is_motion(uint8_t verb);
/** 1 if argument `index` of `verb` is a position in `version` (§v2 Positions: checked against pmax). */
uint8_t se_arg_is_position(uint8_t verb, uint8_t index);

#endif
