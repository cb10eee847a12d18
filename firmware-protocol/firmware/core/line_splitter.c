/* Byte-at-a-time framing and stop detection (§Framing, §Device rules 1 and 5, §v2 Stop). */
#include "line_splitter.h"

void se_splitter_init(se_line_splitter *s) {
  s->stop_mode = 1;
  se_splitter_reset(s);
}

void se_splitter_reset(se_line_splitter *s) {
  s->line_len = 0;
  s->overflowed = 0;
  s->consumed = 0;
  s->stop_run = 0;
  s->in_stop_burst = 0;
}

void se_splitter_set_mode(se_line_splitter *s, uint8_t mode) {
  if (mode == s->stop_mode) return;
  s->stop_mode = mode;
  s->stop_run = 0;
  s->in_stop_burst = 0;
}

uint8_t se_is_stop_copy(uint8_t byte) {
  uint8_t diff = (uint8_t)(byte ^ SE_V2_STOP_BYTE);
  return (uint8_t)((diff & (uint8_t)(diff - 1u)) == 0);
}

static void clear_line(se_line_splitter *s) {
  s->line_len = 0;
  s->overflowed = 0;
}

se_split_result se_splitter_push(se_line_splitter *s, uint8_t byte) {
  if (s->consumed) {
    clear_line(s);
    s->consumed = 0;
  }
  if (s->in_stop_burst) {
    /* §v2 Stop: the copies that directly follow a stop are the rest of it. */
    if (se_is_stop_copy(byte)) return SE_SPLIT_NONE;
    s->in_stop_burst = 0;
  }
  if (s->stop_mode == 1) {
    if (byte == SE_V1_STOP_BYTE) {
      /* §Device rule 5: 0x18 anywhere, even inside a line, is the stop; the partial line goes. */
      clear_line(s);
      return SE_SPLIT_STOP;
    }
  } else if (byte == SE_V2_STOP_BYTE) {
    if (++s->stop_run >= SE_V2_STOP_RUN) {
      /* §v2 Stop: the third 0x96 in a row; the two before it sit in the partial line, discarded. */
      clear_line(s);
      s->stop_run = 0;
      s->in_stop_burst = 1;
      return SE_SPLIT_STOP;
    }
  } else {
    s->stop_run = 0;
  }
  if (byte == SE_LF) {
    s->consumed = 1;
    /* §Framing: the LF counts toward 128, so a partial line of 128 bytes is already too long. */
    if (s->overflowed) return SE_SPLIT_TOO_LONG;
    if (s->line_len > 0 && s->line[s->line_len - 1] == SE_CR) s->line_len--;
    return SE_SPLIT_LINE;
  }
  if (s->line_len < SE_MAX_LINE_BYTES) s->line[s->line_len++] = byte;
  if (s->line_len >= SE_MAX_LINE_BYTES) s->overflowed = 1;
  return SE_SPLIT_NONE;
}
