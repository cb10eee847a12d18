/* Checks a received line (§Framing, §Device rule 1): `<body>*<CRC>` with 4 uppercase hex digits,
 * printable body without `*`, tokens separated by exactly one space; and reads its seq when the
 * checksum cannot be trusted. */
#ifndef SE_LINE_CHECK_H
#define SE_LINE_CHECK_H

#include <stdint.h>

#define SE_MAX_TOKENS 12u

typedef enum {
  SE_LINE_OK = 0,
  SE_LINE_SYNTAX,
  SE_LINE_CRC,
} se_line_status;

typedef struct {
  uint8_t count;
  /** Offsets and lengths of the body's tokens within the line. */
  uint8_t start[SE_MAX_TOKENS];
  uint8_t len[SE_MAX_TOKENS];
} se_tokens;

/**
 * Checks the structure first, then the checksum: a broken structure is SYNTAX even if the checksum
 * would also fail, because the checksum field cannot be trusted then (§Device rule 1). More than
 * SE_MAX_TOKENS tokens is SYNTAX too: no command has that many, so such a line is never well formed.
 */
se_line_status se_check_line(const uint8_t *line, uint8_t len, se_tokens *tokens);
/** §Device rule 1: the seq at the start of a line (1..65535, no leading zero, followed by space,
 * `*` or the end), or 0 if it cannot be read. */
uint16_t se_readable_seq(const uint8_t *line, uint8_t len);

#endif
