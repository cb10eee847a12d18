/* The device session (see session.h). Clause references are to PROTOCOL.md. */
#include "session.h"

#include <string.h>

#include "commands.h"
#include "config.h"
#include "line_check.h"
#include "line_splitter.h"
#include "line_writer.h"
#include "motion.h"
#include "numbers.h"
#include "platform.h"

typedef struct {
  se_event event;
  uint16_t eseq;
  /** The line's length, for evto (§v2 Events). */
  uint8_t len;
  /** When its last copy has left the device, at the link's rate. */
  uint64_t left_at_ms;
} buffered_event;

static struct {
  se_line_splitter splitter;
  se_line_writer writer;
  uint64_t now_ms;
  uint64_t last_valid_frame_ms;
  uint8_t has_session;
  /** The current session's version; 1 also while there is none. */
  uint8_t version;
  uint8_t watchdog_tripped;
  /** §v2 Stop: a line stop was taken and no valid frame has arrived since, so another is the same. */
  uint8_t line_stop_held;
  uint16_t next_seq;
  uint16_t watchdog_ms;
  /** §Device rule 2: replies by seq % 32; an entry is the seq's reply only if its seq matches. */
  se_reply cache[SE_V1_REPLY_CACHE];
  /** §v2 Events: the unacknowledged events, oldest first. */
  buffered_event unacked[SE_EVENT_WINDOW];
  uint8_t unacked_count;
  uint16_t next_eseq;
  uint16_t acked_eseq;
  uint16_t lost_events;
  /** §v2 Jog lease: when each axis's lease runs out; 0 = no lease. */
  uint64_t lease_at_ms[SE_AXES];
  se_session_stats stats;
} s;

/* ---- time and output ---- */

/** Wire time of `bytes` at the link's rate, 8N1 (§Physical layer), rounded up. */
static uint32_t wire_ms(uint32_t bytes) { return (uint32_t)((bytes * 10000ul + SE_BAUD - 1u) / SE_BAUD); }

static void write_line(void) {
  if (s.writer.len > 0) se_platform_write(s.writer.bytes, s.writer.len);
}

static uint16_t next_seq_after(uint16_t seq) { return seq >= 65535u ? 1u : (uint16_t)(seq + 1u); }

/** Steps forward from `from` to `to` on the 65535-long cycle (§Framing). */
static uint16_t seq_distance(uint16_t from, uint16_t to) {
  int32_t d = ((int32_t)to - (int32_t)from) % 65535;
  return (uint16_t)(d < 0 ? d + 65535 : d);
}

/* ---- events (§v2 Events) ---- */

static uint8_t in_v2_session(void) { return (uint8_t)(s.has_session && s.version == 2); }

static void send_buffered(buffered_event *b) {
  b->len = se_format_event(&s.writer, &b->event, b->eseq, 2);
  write_line();
  b->left_at_ms = s.now_ms + wire_ms(se_platform_tx_pending());
}

static void send_sequenced(const se_event *event) {
  buffered_event *b = &s.unacked[s.unacked_count++];
  b->event = *event;
  b->eseq = s.next_eseq;
  s.next_eseq = next_seq_after(s.next_eseq);
  s.stats.events_sent++;
  send_buffered(b);
}

void se_session_event(const se_event *event) {
  if (!in_v2_session()) {
    /* A v1 host cannot read a v2-only event (STARTED of a TMOVE armed before a v1 HELLO). */
    if (!se_event_in_v1(event->type)) return;
    se_format_event(&s.writer, event, 0, 1);
    write_line();
    return;
  }
  if (s.unacked_count >= SE_EVENT_WINDOW) {
    /* Overflow: never make motion wait for the host; count, and say so when a slot frees. */
    s.lost_events++;
    s.stats.events_lost++;
    return;
  }
  send_sequenced(event);
}

static void reset_events(void) {
  s.unacked_count = 0;
  s.next_eseq = 1;
  s.acked_eseq = 0;
  s.lost_events = 0;
}

static uint64_t retransmit_deadline_ms(void) {
  uint32_t bytes = 0;
  for (uint8_t i = 0; i < s.unacked_count; i++) bytes += s.unacked[i].len;
  return s.unacked[0].left_at_ms + SE_EVENT_RETRANSMIT_BASE_MS + wire_ms(bytes);
}

/**
 * ACK: an eseq in the buffer frees it up to there; the last acknowledged eseq (0 before the first) or
 * one of the `ev` before it is a repeat; anything else is ERR RANGE. With RESEND the oldest
 * unacknowledged event goes out again at once, before the reply, unless its copy is still leaving.
 */
static uint8_t acknowledge(uint16_t eseq, uint8_t resend) {
  int8_t at = -1;
  if (eseq != 0) {
    for (uint8_t i = 0; i < s.unacked_count; i++) {
      if (s.unacked[i].eseq == eseq) at = (int8_t)i;
    }
  }
  uint8_t repeat = (uint8_t)(eseq == s.acked_eseq ||
                             (eseq != 0 && s.acked_eseq != 0 && seq_distance(eseq, s.acked_eseq) <= SE_EVENT_WINDOW));
  if (at < 0 && !repeat) return SE_ERR_RANGE;
  if (at >= 0) {
    uint8_t freed = (uint8_t)(at + 1);
    memmove(&s.unacked[0], &s.unacked[freed], (size_t)(s.unacked_count - freed) * sizeof s.unacked[0]);
    s.unacked_count = (uint8_t)(s.unacked_count - freed);
    s.acked_eseq = eseq;
    if (s.lost_events > 0) {
      se_event overflow = {SE_EV_OVERFLOW, 0, 0, 0, s.lost_events};
      s.lost_events = 0;
      send_sequenced(&overflow);
    }
  }
  if (resend && s.unacked_count > 0 && s.unacked[0].left_at_ms <= s.now_ms) {
    s.stats.event_retransmits++;
    send_buffered(&s.unacked[0]);
  }
  return SE_OK;
}

/* ---- the stop and the watchdog ---- */

static void emit_estop(uint8_t source) {
  se_event event = {SE_EV_ESTOP, 0, source, 0, 0};
  se_session_event(&event);
}

void se_session_end_lease(uint8_t axis) {
  for (uint8_t i = 0; i < SE_AXES; i++) {
    if (axis == 0 || axis == i + 1u) s.lease_at_ms[i] = 0;
  }
}

static void line_stop(void) {
  /* §v2 Stop: a stop with no valid frame since the last one is the same stop (a damaged copy split
   * the burst); its partial line is gone already. §Device rule 5 acts on every 0x18. */
  if (s.version == 2 && s.line_stop_held) return;
  s.line_stop_held = (uint8_t)(s.version == 2);
  s.stats.line_stops++;
  se_motion_estop();
  se_session_end_lease(0);
  emit_estop(SE_SRC_HOST);
}

void se_session_estop_input(void) {
  se_splitter_reset(&s.splitter);
  se_motion_estop();
  se_session_end_lease(0);
  emit_estop(SE_SRC_INPUT);
}

/* ---- sessions (§Device rule 3, §v2 Negotiation) ---- */

static void set_version(uint8_t version) {
  s.version = version;
  s.line_stop_held = 0;
  /* §v2 Stop: three 0x96 in a v2 session, 0x18 otherwise. */
  se_splitter_set_mode(&s.splitter, version);
}

void se_session_set_time(uint64_t now_ms) { s.now_ms = now_ms; }

void se_session_boot(void) {
  uint64_t now = s.now_ms;
  memset(&s, 0, sizeof s);
  s.now_ms = now;
  se_splitter_init(&s.splitter);
  set_version(1);
  reset_events();
  s.watchdog_ms = SE_WATCHDOG_DEFAULT_MS;
  se_motion_boot();
  /* BOOT keeps its v1 form (proto=1) and adds max= (§v2 Negotiation). */
  se_writer_begin(&s.writer);
  se_writer_str(&s.writer, "! BOOT");
  se_writer_kv_str(&s.writer, "fw", SE_FW_VERSION);
  se_writer_kv_int(&s.writer, "proto", 1);
  se_writer_kv_int(&s.writer, "axes", SE_AXES);
  if (SE_MAX_PROTOCOL >= 2) se_writer_kv_int(&s.writer, "max", SE_MAX_PROTOCOL);
  se_writer_finish(&s.writer);
  write_line();
}

static void start_session(uint16_t seq, uint8_t argc, int64_t host_max) {
  uint8_t version = (argc == 0 || host_max < 2) ? 1u : (uint8_t)SE_MAX_PROTOCOL;
  se_platform_executed(seq, SE_VERB_HELLO);
  s.has_session = 1;
  s.next_seq = next_seq_after(seq);
  for (uint8_t i = 0; i < SE_V1_REPLY_CACHE; i++) s.cache[i].seq = 0;
  s.watchdog_ms = SE_WATCHDOG_DEFAULT_MS;
  /* A new session's events start at eseq 1; the old session's unacknowledged ones are gone. */
  reset_events();
  set_version(version);
  se_motion_session_started();
  se_line_writer *w = &s.writer;
  se_writer_begin(w);
  se_writer_int(w, seq);
  se_writer_str(w, " OK");
  se_writer_kv_int(w, "proto", version);
  se_writer_kv_str(w, "fw", SE_FW_VERSION);
  se_writer_kv_int(w, "axes", SE_AXES);
  se_writer_kv_int(w, "rx", SE_RX_BYTES);
  se_writer_kv_int(w, "win", SE_WINDOW_FRAMES);
  se_writer_kv_int(w, "qd", SE_QUEUE_DEPTH);
  se_writer_kv_int(w, "wd", s.watchdog_ms);
  if (version >= 2) {
    /* With p = 1 the reply is exactly the v1 reply; p = 2 adds ev, pmax and feat. */
    se_writer_kv_int(w, "ev", SE_EVENT_WINDOW);
    se_writer_kv_int(w, "pmax", SE_POSITION_MAX);
    const char *feat = SE_FEATURE_TRIG && SE_FEATURE_LEASE ? "TRIG,LEASE"
                       : SE_FEATURE_TRIG                   ? "TRIG"
                       : SE_FEATURE_LEASE                  ? "LEASE"
                                                           : "NONE";
    se_writer_kv_str(w, "feat", feat);
  }
  se_writer_finish(w);
  write_line();
}

/* ---- commands ---- */

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

/** §v2 Positions, §v2 Triggered moves, §v2 Jog lease: what a v2 session refuses before the axes. */
static uint8_t check_v2(const se_command *cmd) {
  for (uint8_t i = 0; i < cmd->argc; i++) {
    if (se_arg_is_position(cmd->verb, i) && abs64(cmd->arg[i]) > SE_POSITION_MAX) return SE_ERR_RANGE;
  }
  switch (cmd->verb) {
    case SE_VERB_SET:
      if (cmd->arg[1] != SE_KEY_MIN && cmd->arg[1] != SE_KEY_MAX && abs64(cmd->arg[2]) > SE_INT32_MAX) {
        return SE_ERR_RANGE;
      }
      return SE_OK;
    case SE_VERB_TMOVE:
      if (!SE_FEATURE_TRIG) return SE_ERR_VERB;
      if (cmd->arg[4] == cmd->arg[0]) return SE_ERR_ARGS;
      if (cmd->arg[0] < 1 || cmd->arg[0] > SE_AXES || cmd->arg[4] < 1 || cmd->arg[4] > SE_AXES) return SE_ERR_AXIS;
      return SE_OK;
    case SE_VERB_JOG:
    case SE_VERB_RENEW: {
      /* A jog without a lease does not exist in v2. */
      if (!SE_FEATURE_LEASE) return SE_ERR_VERB;
      int64_t lease = cmd->arg[cmd->verb == SE_VERB_JOG ? 3 : 1];
      return (lease < SE_LEASE_MIN_MS || lease > SE_LEASE_MAX_MS) ? SE_ERR_RANGE : SE_OK;
    }
    default:
      return SE_OK;
  }
}

static void execute(const se_command *cmd, se_code parsed, se_reply *reply) {
  memset(reply, 0, sizeof *reply);
  reply->seq = cmd->seq;
  if (parsed != SE_OK) {
    reply->code = parsed;
    return;
  }
  if (cmd->verb == SE_VERB_WDOG) {
    /* §Device rule 6: 100..60000 ms. */
    if (cmd->arg[0] < SE_WATCHDOG_MIN_MS || cmd->arg[0] > SE_WATCHDOG_MAX_MS) reply->code = SE_ERR_RANGE;
    else s.watchdog_ms = (uint16_t)cmd->arg[0];
    return;
  }
  if (s.version == 2) {
    reply->code = check_v2(cmd);
    if (reply->code != SE_OK) return;
    if (cmd->verb == SE_VERB_ACK) {
      reply->code = acknowledge((uint16_t)cmd->arg[0], (uint8_t)(cmd->argc > 1));
      return;
    }
  }
  se_platform_executed(cmd->seq, cmd->verb);
  se_motion_execute(cmd, reply);
  reply->seq = cmd->seq;
  if (reply->code != SE_OK) return;
  if (s.version == 2 && (cmd->verb == SE_VERB_JOG || cmd->verb == SE_VERB_RENEW)) {
    /* §v2 Jog lease: the lease runs from this command. A jog to 0 keeps its lease until it stops. */
    int64_t lease = cmd->arg[cmd->verb == SE_VERB_JOG ? 3 : 1];
    s.lease_at_ms[cmd->arg[0] - 1] = s.now_ms + (uint64_t)lease;
  }
  if (cmd->verb == SE_VERB_STOP) se_session_end_lease((uint8_t)cmd->arg[0]);
}

static void reply_link_error(uint16_t seq, uint8_t code) {
  if (seq == 0) {
    /* §Device rule 1: the seq cannot be read. */
    se_writer_begin(&s.writer);
    se_writer_str(&s.writer, "! BADFRAME");
    se_writer_finish(&s.writer);
  } else {
    se_reply reply = {seq, code, 0, 0, 0, 0, 0, 0, 0};
    se_format_reply(&s.writer, &reply, s.version);
  }
  write_line();
}

static void handle_frame(const se_command *cmd, se_code parsed) {
  s.last_valid_frame_ms = s.now_ms;
  s.watchdog_tripped = 0;
  s.line_stop_held = 0;
  if (parsed == SE_OK && cmd->verb == SE_VERB_HELLO) {
    start_session(cmd->seq, cmd->argc, cmd->arg[0]);
    return;
  }
  if (!s.has_session) {
    reply_link_error(cmd->seq, SE_ERR_HELLO);
    return;
  }
  uint8_t cache_frames = s.version == 2 ? SE_WINDOW_FRAMES : SE_V1_REPLY_CACHE;
  se_reply *slot = &s.cache[cmd->seq % SE_V1_REPLY_CACHE];
  if (cmd->seq == s.next_seq) {
    /* §Device rule 2: execute, reply, cache, advance. */
    execute(cmd, parsed, slot);
    s.next_seq = next_seq_after(s.next_seq);
    se_format_reply(&s.writer, slot, s.version);
    write_line();
    return;
  }
  /* A retransmission of one of the last 32 (v2: win) gets its reply again, byte for byte. */
  uint16_t back = seq_distance(cmd->seq, s.next_seq);
  if (back >= 1 && back <= cache_frames && slot->seq == cmd->seq) {
    se_format_reply(&s.writer, slot, s.version);
    write_line();
    return;
  }
  se_reply refused = {cmd->seq, SE_ERR_SEQ, 0, 0, 0, s.next_seq, 0, 0, 0};
  se_format_reply(&s.writer, &refused, s.version);
  write_line();
}

static void handle_line(const uint8_t *line, uint8_t len) {
  se_tokens tokens;
  se_line_status status = se_check_line(line, len, &tokens);
  if (status != SE_LINE_OK) {
    reply_link_error(se_readable_seq(line, len), status == SE_LINE_CRC ? SE_ERR_CRC : SE_ERR_SYNTAX);
    return;
  }
  se_command cmd;
  se_code parsed = se_parse_command(line, &tokens, s.version, SE_MAX_PROTOCOL, &cmd);
  if (parsed == SE_ERR_SYNTAX) {
    reply_link_error(cmd.seq, SE_ERR_SYNTAX);
    return;
  }
  handle_frame(&cmd, parsed);
}

void se_session_receive(uint8_t byte) {
  switch (se_splitter_push(&s.splitter, byte)) {
    case SE_SPLIT_LINE:
      handle_line(s.splitter.line, s.splitter.line_len);
      return;
    case SE_SPLIT_TOO_LONG:
      reply_link_error(se_readable_seq(s.splitter.line, s.splitter.line_len), SE_ERR_TOO_LONG);
      return;
    case SE_SPLIT_STOP:
      line_stop();
      return;
    default:
      return;
  }
}

void se_session_poll(void) {
  if (s.has_session && !s.watchdog_tripped && s.now_ms >= s.last_valid_frame_ms + s.watchdog_ms) {
    /* §Device rule 6: no valid frame for wd ms. */
    s.watchdog_tripped = 1;
    s.stats.watchdog_trips++;
    se_motion_watchdog();
    se_session_end_lease(0);
    se_event fault = {SE_EV_FAULT, 0, SE_FAULT_WATCHDOG, 0, 0};
    se_session_event(&fault);
  }
  for (uint8_t i = 0; i < SE_AXES; i++) {
    if (s.lease_at_ms[i] == 0 || s.now_ms < s.lease_at_ms[i]) continue;
    s.lease_at_ms[i] = 0;
    int64_t pos;
    if (se_motion_lease_expired((uint8_t)(i + 1u), &pos)) {
      se_event lease = {SE_EV_LEASE, (uint8_t)(i + 1u), 0, 0, pos};
      se_session_event(&lease);
    }
  }
  if (s.unacked_count > 0 && s.now_ms >= retransmit_deadline_ms()) {
    /* §v2 Events: go-back-N from the oldest unacknowledged event, byte for byte. */
    for (uint8_t i = 0; i < s.unacked_count; i++) {
      s.stats.event_retransmits++;
      send_buffered(&s.unacked[i]);
    }
  }
}

/** Writes `! POS t= [a=] p= v=` for axes [first, first+count); halves it while it is too long. */
static void position_lines(uint64_t t_ms, const int64_t *pos, const int32_t *vel, uint8_t first, uint8_t count) {
  se_line_writer *w = &s.writer;
  se_writer_begin(w);
  se_writer_str(w, "! POS");
  /* v1 POS t is a uint (0..2^31-1) that wraps; v2 t is 64-bit (§v2 Positions). */
  se_writer_kv_int(w, "t", s.version >= 2 ? (int64_t)t_ms : (int64_t)(t_ms & 0x7FFFFFFFu));
  if (first > 1) se_writer_kv_int(w, "a", first);
  for (uint8_t list = 0; list < 2; list++) {
    se_writer_str(w, list == 0 ? " p=" : " v=");
    for (uint8_t i = 0; i < count; i++) {
      if (i > 0) se_writer_char(w, ',');
      int64_t value = list == 0 ? pos[first - 1 + i] : vel[first - 1 + i];
      /* A v1 session reads 32-bit positions (§v2 Positions); clamp rather than wrap. */
      if (s.version < 2 && value > SE_INT32_MAX) value = SE_INT32_MAX;
      if (s.version < 2 && value < -SE_INT32_MAX) value = -SE_INT32_MAX;
      se_writer_int(w, value);
    }
  }
  if (se_writer_finish(w) > 0) {
    write_line();
  } else if (count > 1 && s.version >= 2) {
    uint8_t half = (uint8_t)((count + 1u) / 2u);
    position_lines(t_ms, pos, vel, first, half);
    position_lines(t_ms, pos, vel, (uint8_t)(first + half), (uint8_t)(count - half));
  }
}

void se_session_position_sample(uint64_t t_ms, const int64_t *pos, const int32_t *vel, uint8_t count) {
  position_lines(t_ms, pos, vel, 1, count);
}

uint8_t se_session_version(void) { return s.has_session ? s.version : 0; }
uint8_t se_session_unacked_events(void) { return s.unacked_count; }
const se_session_stats *se_session_get_stats(void) { return &s.stats; }
