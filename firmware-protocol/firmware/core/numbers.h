/* Integer tokens as §Framing and §v2 Positions write them: decimal, optional `-`, no leading zeros,
 * no `-0`; 32-bit within ±(2^31-1), 64-bit within ±(2^63-1). Parsing and formatting. */
#ifndef SE_NUMBERS_H
#define SE_NUMBERS_H

#include <stdint.h>

#define SE_INT32_MAX 2147483647L
/** §v2 Positions: the largest |position| on the wire. */
#define SE_INT64_MAX 9223372036854775807LL

/** 1 and *out if `text[0..len)` is an integer within ±max_abs (`allow_negative` 0: no `-`), else 0. */
uint8_t se_parse_int(const uint8_t *text, uint8_t len, uint8_t allow_negative, uint64_t max_abs,
                     int64_t *out);
/** Writes `value` in decimal at `out`; returns the number of bytes (at most 20). */
uint8_t se_format_int(int64_t value, uint8_t *out);

#endif
