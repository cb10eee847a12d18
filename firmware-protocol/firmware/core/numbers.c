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

uint8_t se_format_int(int64_t value, uint8_t *out) {
  uint8_t digits[20];
  uint8_t n = 0;
  uint8_t len = 0;
  /* -2^63 never occurs: positions are within ±(2^63-1), the rest is 32-bit. */
  uint64_t magnitude = value < 0 ? (uint64_t)(-value) : (uint64_t)value;
  if (value < 0) out[len++] = '-';
  /* Up to 2^32 the 32-bit division is far cheaper on an 8-bit core than the 64-bit one. */
  while (magnitude > 0xFFFFFFFFu) {
    digits[n++] = (uint8_t)('0' + (uint8_t)(magnitude % 10u));
    magnitude /= 10u;
  }
  uint32_t small = (uint32_t)magnitude;
  do {
    digits[n++] = (uint8_t)('0' + (uint8_t)(small % 10u));
    small /= 10u;
  } while (small > 0);
  while (n > 0) out[len++] = digits[--n];
  return len;
}
