/* §Commands and §v2 New commands as a table of argument types, and the parser over it. */
#include "commands.h"

#include <string.h>

#include "numbers.h"

/* Argument types: u uint (0..2^31-1), p posint (> 0), i int (±(2^31-1)), P position (int in v1, i64 in
 * v2, §v2 Positions), k SET key, r the word RESEND, d direction (1 or -1). */
typedef struct {
  const char *v1_args;
  const char *v2_args;
  /** Arguments that may be left out at the end (HELLO's max, ACK's RESEND). */
  uint8_t optional;
  /** The version the verb first exists in. */
  uint8_t since;
  uint8_t motion;
} verb_spec;

const char *const se_verb_names[SE_VERB_COUNT] = {
    "HELLO", "PING", "ENABLE", "DISABLE", "MOVE",  "JOG", "STOP",  "HOME",
    "GET",   "SET",  "STREAM", "RESET",   "WDOG",  "ACK", "TMOVE", "RENEW",
};

static const verb_spec specs[SE_VERB_COUNT] = {
    [SE_VERB_HELLO] = {"", "p", 1, 1, 0},
    [SE_VERB_PING] = {"", "", 0, 1, 0},
    [SE_VERB_ENABLE] = {"u", "u", 0, 1, 1},
    [SE_VERB_DISABLE] = {"u", "u", 0, 1, 0},
    [SE_VERB_MOVE] = {"uPpp", "uPpp", 0, 1, 1},
    /* §v2 Jog lease: the lease is required in v2 and does not exist in v1. */
    [SE_VERB_JOG] = {"uip", "uipu", 0, 1, 1},
    [SE_VERB_STOP] = {"u", "u", 0, 1, 0},
    [SE_VERB_HOME] = {"u", "u", 0, 1, 1},
    [SE_VERB_GET] = {"u", "u", 0, 1, 0},
    [SE_VERB_SET] = {"ukP", "ukP", 0, 1, 0},
    [SE_VERB_STREAM] = {"u", "u", 0, 1, 0},
    [SE_VERB_RESET] = {"", "", 0, 1, 0},
    [SE_VERB_WDOG] = {"u", "u", 0, 1, 0},
    [SE_VERB_ACK] = {"", "ur", 1, 2, 0},
    [SE_VERB_TMOVE] = {"", "uPppuPd", 0, 2, 1},
    [SE_VERB_RENEW] = {"", "uu", 0, 2, 1},
};

uint8_t se_verb_is_motion(uint8_t verb) { return verb < SE_VERB_COUNT ? specs[verb].motion : 0; }

uint8_t se_arg_is_position(uint8_t verb, uint8_t index) {
  const char *args = specs[verb].v2_args;
  return (uint8_t)(index < strlen(args) && args[index] == 'P');
}

static uint8_t token_is(const uint8_t *text, uint8_t len, const char *word) {
  return (uint8_t)(strlen(word) == len && memcmp(text, word, len) == 0);
}

/* One argument; 0 if the token is not written as its type says (ERR ARGS). */
static uint8_t read_arg(char type, const uint8_t *text, uint8_t len, uint8_t version, int64_t *out) {
  switch (type) {
    case 'u':
      return se_parse_int(text, len, 0, SE_INT32_MAX, out);
    case 'p':
      return (uint8_t)(se_parse_int(text, len, 0, SE_INT32_MAX, out) && *out > 0);
    case 'i':
      return se_parse_int(text, len, 1, SE_INT32_MAX, out);
    case 'P':
      return se_parse_int(text, len, 1, version >= 2 ? (uint64_t)SE_INT64_MAX : (uint64_t)SE_INT32_MAX, out);
    case 'k':
      for (uint8_t key = 0; key < SE_KEY_COUNT; key++) {
        if (token_is(text, len, se_limit_key_names[key])) {
          *out = key;
          return 1;
        }
      }
      return 0;
    case 'r':
      *out = 1;
      return token_is(text, len, "RESEND");
    case 'd':
      if (token_is(text, len, "1")) *out = 1;
      else if (token_is(text, len, "-1")) *out = -1;
      else return 0;
      return 1;
    default:
      return 0;
  }
}

se_code se_parse_command(const uint8_t *line, const se_tokens *tokens, uint8_t version, uint8_t hello_version,
                         se_command *cmd) {
  int64_t value;
  memset(cmd, 0, sizeof *cmd);
  if (!se_parse_int(line + tokens->start[0], tokens->len[0], 0, 65535, &value) || value == 0) return SE_ERR_SYNTAX;
  cmd->seq = (uint16_t)value;
  if (tokens->count < 2) return SE_ERR_SYNTAX;
  const uint8_t *verb_text = line + tokens->start[1];
  uint8_t verb = 0;
  while (verb < SE_VERB_COUNT && !token_is(verb_text, tokens->len[1], se_verb_names[verb])) verb++;
  cmd->verb = verb;
  uint8_t line_version = verb == SE_VERB_HELLO ? hello_version : version;
  /* §v2 Negotiation: a v2 verb in a v1 session is an unknown verb (v1 rule 1). */
  if (verb >= SE_VERB_COUNT || specs[verb].since > line_version) return SE_ERR_VERB;
  const char *types = line_version >= 2 ? specs[verb].v2_args : specs[verb].v1_args;
  uint8_t most = (uint8_t)strlen(types);
  uint8_t optional = line_version >= 2 ? specs[verb].optional : 0;
  uint8_t given = (uint8_t)(tokens->count - 2);
  if (given + optional < most || given > most) return SE_ERR_ARGS;
  for (uint8_t i = 0; i < given; i++) {
    if (!read_arg(types[i], line + tokens->start[i + 2], tokens->len[i + 2], line_version, &cmd->arg[i])) {
      return SE_ERR_ARGS;
    }
  }
  cmd->argc = given;
  return SE_OK;
}
