/* Replies and events kept as their fields, not as text (§v2 Sizing: a small device caches replies and
 * buffers events that way), and their formatting into lines (§Framing, §Commands, §Events). Formatting
 * is deterministic, so a cached reply resent from its fields is the same bytes (§Device rule 2). */
#ifndef SE_MESSAGES_H
#define SE_MESSAGES_H

#include <stdint.h>

#include "codes.h"
#include "line_writer.h"

typedef enum { SE_REPLY_PLAIN = 0, SE_REPLY_GET } se_reply_kind;

typedef struct {
  uint16_t seq;
  /** SE_OK or an error code. */
  uint8_t code;
  uint8_t kind;
  /** GET st=, or ERR STATE st=. */
  uint8_t st;
  uint8_t q;
  /** GET run= (v2), or ERR SEQ next=. */
  uint16_t run;
  int32_t vel;
  int64_t pos;
  int64_t tgt;
} se_reply;

typedef enum {
  SE_EV_DONE = 0,
  SE_EV_ABORTED,
  SE_EV_HOMED,
  SE_EV_FAULT,
  SE_EV_ESTOP,
  SE_EV_STARTED,
  SE_EV_LEASE,
  SE_EV_OVERFLOW,
  SE_EV_COUNT
} se_event_type;

typedef struct {
  uint8_t type;
  uint8_t axis;
  /** ABORTED why (se_abort_reason), FAULT code (se_fault_code), ESTOP src (se_estop_source). */
  uint8_t detail;
  uint16_t seq;
  /** pos (DONE, ABORTED, HOMED, LEASE), t (STARTED), lost (OVERFLOW). */
  int64_t value;
} se_event;

/** `<seq> OK ...` or `<seq> ERR <CODE> ...`; GET's `run` only in v2 (§v2 Fields). Returns the length. */
uint8_t se_format_reply(se_line_writer *w, const se_reply *reply, uint8_t version);
/** `! EVENT ...`, or `!<eseq> EVENT ...` when eseq != 0 (§v2 Events); `why` only in v2. */
uint8_t se_format_event(se_line_writer *w, const se_event *event, uint16_t eseq, uint8_t version);
/** 1 if the event exists in v1 (§v2 New events: STARTED, LEASE and OVERFLOW do not). */
uint8_t se_event_in_v1(uint8_t type);

#endif
