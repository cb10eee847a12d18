/* CRC-16/CCITT-FALSE (§Framing), bitwise: no 512-byte table, because the ATmega2560 has 8 KB of
 * RAM and a table in flash would need pgm_read on AVR; a line is at most 128 bytes, so 8 shifts a
 * byte cost well under a millisecond at 16 MHz. */
#include "crc16.h"

uint16_t se_crc16_update(uint16_t crc, uint8_t byte) {
  crc ^= (uint16_t)byte << 8;
  for (uint8_t bit = 0; bit < 8; bit++) {
    crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  }
  return crc;
}

uint16_t se_crc16(const uint8_t *bytes, uint16_t len) {
  uint16_t crc = SE_CRC16_INIT;
  for (uint16_t i = 0; i < len; i++) crc = se_crc16_update(crc, bytes[i]);
  return crc;
}
