/* CRC-16/CCITT-FALSE as PROTOCOL.md §Framing defines it: poly 0x1021, init 0xFFFF, no reflection,
 * final XOR 0. Check value: "123456789" -> 0x29B1. */
#ifndef SE_CRC16_H
#define SE_CRC16_H

#include <stdint.h>

#define SE_CRC16_INIT 0xFFFFu

/** Folds one byte into a running CRC (start from SE_CRC16_INIT). */
uint16_t se_crc16_update(uint16_t crc, uint8_t byte);
/** CRC over `len` bytes. */
uint16_t se_crc16(const uint8_t *bytes, uint16_t len);

#endif
