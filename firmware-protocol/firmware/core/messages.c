/* Field order follows the table in src/wire/messages.ts (§Commands, §Events, §v2 New events). */
#include "messages.h"

static const char *const event_names[SE_EV_COUNT] = {"DONE",    "ABORTED", "HOMED", "FAULT",
                                                     "ESTOP",   "STARTED", "LEASE", "OVERFLOW"};

uint8_t se_event_in_v1(uint8_t type) { return (uint8_t)(type <= SE_EV_ESTOP); }

/** A position as a session of `version` writes it: v1 positions are 32-bit ints (§Framing), so a
 * position beyond them (a v2 device in a v1 session) is clamped rather than wrapped (§v2 Positions). */
static int64_t wire_position(int64_t value, uint8_t version) {
  const int64_t int32_max = 2147483647LL;
  if (version >= 2) return value;
  return value > int32_max ? int32_max : value < -int32_max ? -int32_max : value;
}

uint8_t se_format_reply(se_line_writer *w, const se_reply *reply, uint8_t version) {
  se_writer_begin(w);
  se_writer_int(w, reply->seq);
  if (reply->code != SE_OK) {
    se_writer_str(w, " ERR ");
    se_writer_str(w, se_code_names[reply->code]);
    if (reply->code == SE_ERR_STATE) se_writer_kv_str(w, "st", se_state_names[reply->st]);
    if (reply->code == SE_ERR_SEQ) se_writer_kv_int(w, "next", reply->run);
    return se_writer_finish(w);
  }
  se_writer_str(w, " OK");
  if (reply->kind == SE_REPLY_GET) {
    se_writer_kv_int(w, "pos", wire_position(reply->pos, version));
    se_writer_kv_int(w, "vel", reply->vel);
    se_writer_kv_int(w, "tgt", wire_position(reply->tgt, version));
    se_writer_kv_str(w, "st", se_state_names[reply->st]);
    se_writer_kv_int(w, "q", reply->q);
    if (version >= 2) se_writer_kv_int(w, "run", reply->run);
  }
  return se_writer_finish(w);
}

uint8_t se_format_event(se_line_writer *w, const se_event *event, uint16_t eseq, uint8_t version) {
  se_writer_begin(w);
  se_writer_char(w, '!');
  if (eseq != 0) se_writer_int(w, eseq);
  se_writer_char(w, ' ');
  se_writer_str(w, event_names[event->type]);
  switch (event->type) {
    case SE_EV_DONE:
    case SE_EV_ABORTED:
      se_writer_kv_int(w, "axis", event->axis);
      se_writer_kv_int(w, "seq", event->seq);
      se_writer_kv_int(w, "pos", wire_position(event->value, version));
      if (event->type == SE_EV_ABORTED && version >= 2 && event->detail != SE_WHY_NONE) {
        se_writer_kv_str(w, "why", se_why_names[event->detail]);
      }
      break;
    case SE_EV_HOMED:
    case SE_EV_LEASE:
      se_writer_kv_int(w, "axis", event->axis);
      se_writer_kv_int(w, "pos", wire_position(event->value, version));
      break;
    case SE_EV_FAULT:
      se_writer_kv_int(w, "axis", event->axis);
      se_writer_kv_str(w, "code", se_fault_names[event->detail]);
      break;
    case SE_EV_ESTOP:
      se_writer_kv_str(w, "src", se_source_names[event->detail]);
      break;
    case SE_EV_STARTED:
      se_writer_kv_int(w, "axis", event->axis);
      se_writer_kv_int(w, "seq", event->seq);
      se_writer_kv_int(w, "t", event->value);
      break;
    case SE_EV_OVERFLOW:
      se_writer_kv_int(w, "lost", event->value);
      break;
    default:
      break;
  }
  return se_writer_finish(w);
}
