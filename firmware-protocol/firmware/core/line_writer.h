/* Builds outgoing lines (§Framing): body tokens, then `*`, the CRC as 4 uppercase hex digits, LF.
 * Every line the device writes is composed here, so none can exceed 128 bytes unnoticed. */
#ifndef SE_LINE_WRITER_H
#define SE_LINE_WRITER_H

#include <stdint.h>

#include "line_splitter.h"

typedef struct {
  uint8_t bytes[SE_MAX_LINE_BYTES];
  uint8_t len;
  /** Something did not fit: finish() refuses the line rather than send a truncated one. */
  uint8_t overflowed;
} se_line_writer;

void se_writer_begin(se_line_writer *w);
void se_writer_char(se_line_writer *w, uint8_t c);
void se_writer_str(se_line_writer *w, const char *s);
void se_writer_int(se_line_writer *w, int64_t value);
/** ` key=value` */
void se_writer_kv_int(se_line_writer *w, const char *key, int64_t value);
/** ` key=text` */
void se_writer_kv_str(se_line_writer *w, const char *key, const char *text);
/** Appends `*CRC` and LF. Returns the line's length, or 0 if it would exceed 128 bytes. */
uint8_t se_writer_finish(se_line_writer *w);

#endif
