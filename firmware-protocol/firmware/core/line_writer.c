/* §Framing: `<body>*<CRC>` LF, at most 128 bytes. */
#include "line_writer.h"

#include "crc16.h"
#include "numbers.h"

/* '*' + 4 hex digits + LF */
#define CHECKSUM_SUFFIX_BYTES 6u

void se_writer_begin(se_line_writer *w) {
  w->len = 0;
  w->overflowed = 0;
}

void se_writer_char(se_line_writer *w, uint8_t c) {
  if (w->len + CHECKSUM_SUFFIX_BYTES >= SE_MAX_LINE_BYTES + 1u) {
    w->overflowed = 1;
    return;
  }
  w->bytes[w->len++] = c;
}

void se_writer_str(se_line_writer *w, const char *s) {
  while (*s) se_writer_char(w, (uint8_t)*s++);
}

void se_writer_int(se_line_writer *w, int64_t value) {
  uint8_t digits[20];
  uint8_t n = se_format_int(value, digits);
  for (uint8_t i = 0; i < n; i++) se_writer_char(w, digits[i]);
}

void se_writer_kv_int(se_line_writer *w, const char *key, int64_t value) {
  se_writer_char(w, ' ');
  se_writer_str(w, key);
  se_writer_char(w, '=');
  se_writer_int(w, value);
}

void se_writer_kv_str(se_line_writer *w, const char *key, const char *text) {
  se_writer_char(w, ' ');
  se_writer_str(w, key);
  se_writer_char(w, '=');
  se_writer_str(w, text);
}

uint8_t se_writer_finish(se_line_writer *w) {
  static const char hex[] = "0123456789ABCDEF";
  if (w->overflowed) return 0;
  uint16_t crc = se_crc16(w->bytes, w->len);
  w->bytes[w->len++] = '*';
  for (int8_t shift = 12; shift >= 0; shift -= 4) w->bytes[w->len++] = (uint8_t)hex[(crc >> shift) & 0xFu];
  w->bytes[w->len++] = SE_LF;
  return w->len;
}
