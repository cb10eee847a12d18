/* CRC-16/CCITT-FALSE (§Framing), a byte at a time without a table: for the polynomial 0x1021 the eight
 * shift-and-xor steps of a byte fold into three shifts of one intermediate byte (x ^= x >> 4, then
 * x << 12, x << 5 and x), the well-known form of this CRC for small processors. It costs about 30
 * cycles a byte on the ATmega2560 and no RAM; a 512-byte table would take 6 % of it. */
#include "crc16.h"

uint16_t se_crc16_update(uint16_t crc, uint8_t byte) {
  uint8_t x = (uint8_t)((crc >> 8) ^ byte);
  x ^= (uint8_t)(x >> 4);
  return (uint16_t)((crc << 8) ^ ((uint16_t)x << 12) ^ ((uint16_t)x << 5) ^ x);
}

uint16_t se_crc16(const uint8_t *bytes, uint16_t len) {
  uint16_t crc = SE_CRC16_INIT;
  for (uint16_t i = 0; i < len; i++) crc = se_crc16_update(crc, bytes[i]);
  return crc;
}
