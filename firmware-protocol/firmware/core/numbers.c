/* §Framing integers and §v2 Positions 64-bit integers. */
#include "numbers.h"

uint8_t se_parse_int(const uint8_t *text, uint8_t len, uint8_t allow_negative, uint64_t max_abs,
                     int64_t *out) {
  uint8_t i = 0;
  uint8_t negative = 0;
  uint64_t value = 0;
  if (len > 0 && text[0] == '-') {
    if (!allow_negative) return 0;
    negative = 1;
    i = 1;
  }
  if (i >= len || len - i > 19) return 0;
  /* No leading zeros; "0" alone is zero, and "-0" is not a number (§Framing). */
  if (text[i] == '0' && (len - i > 1 || negative)) return 0;
  for (; i < len; i++) {
    if (text[i] < '0' || text[i] > '9') return 0;
    uint64_t digit = (uint64_t)(text[i] - '0');
    /* 19 digits fit in uint64 (10^19 - 1 < 2^64), so the bound is checked once per digit. */
    value = value * 10u + digit;
    if (value > max_abs) return 0;
  }
  *out = negative ? -(int64_t)value : (int64_t)value;
  return 1;
}

/* Powers of ten for the 32-bit path: subtracting them is several times faster on an 8-bit core than
 * dividing by ten (a library call of some 600 cycles a digit), and replies are mostly 32-bit values. */
static const uint32_t powers_of_ten[10] = {
    1000000000ul, 100000000ul, 10000000ul, 1000000ul, 100000ul, 10000ul, 1000ul, 100ul, 10ul, 1ul,
};

/** Writes `value` at `out`: all `width` digits (leading zeros) if width is 9, else without them. */
static uint8_t format_u32(uint32_t value, uint8_t *out, uint8_t width) {
  uint8_t len = 0;
  uint8_t started = 0;
  for (uint8_t i = (uint8_t)(10u - width); i < 10; i++) {
    uint8_t digit = 0;
    while (value >= powers_of_ten[i]) {
      value -= powers_of_ten[i];
      digit++;
    }
    if (digit || started || width == 9u || i == 9) {
      out[len++] = (uint8_t)('0' + digit);
      started = 1;
    }
  }
  return len;
}

uint8_t se_format_int(int64_t value, uint8_t *out) {
  uint8_t len = 0;
  /* -2^63 never occurs: positions are within ±(2^63-1), the rest is 32-bit. */
  uint64_t magnitude = value < 0 ? (uint64_t)(-value) : (uint64_t)value;
  if (value < 0) out[len++] = '-';
  /* Beyond 32 bits (§v2 Positions, pmax): split into groups of nine digits with at most two 64-bit
   * divisions, then format each group with the 32-bit path. */
  uint32_t groups[2];
  uint8_t n = 0;
  while (magnitude > 0xFFFFFFFFu) {
    groups[n++] = (uint32_t)(magnitude % 1000000000u);
    magnitude /= 1000000000u;
  }
  len = (uint8_t)(len + format_u32((uint32_t)magnitude, out + len, 10));
  while (n > 0) len = (uint8_t)(len + format_u32(groups[--n], out + len, 9));
  return len;
}
