/* §Framing and §Device rule 1: structure, checksum, tokens, readable seq. */
#include "line_check.h"

#include "crc16.h"

#define STAR 0x2Au
#define SPACE 0x20u

static int8_t hex_upper(uint8_t byte) {
  if (byte >= '0' && byte <= '9') return (int8_t)(byte - '0');
  if (byte >= 'A' && byte <= 'F') return (int8_t)(byte - 'A' + 10);
  return -1;
}

uint16_t se_readable_seq(const uint8_t *line, uint8_t len) {
  uint32_t seq = 0;
  uint8_t i = 0;
  if (len == 0 || line[0] < '1' || line[0] > '9') return 0;
  while (i < len && i < 5 && line[i] >= '0' && line[i] <= '9') seq = seq * 10u + (uint32_t)(line[i++] - '0');
  if (i < len && line[i] != SPACE && line[i] != STAR) return 0;
  return seq <= 65535u ? (uint16_t)seq : 0;
}

se_line_status se_check_line(const uint8_t *line, uint8_t len, se_tokens *tokens) {
  int16_t star = (int16_t)len - 5;
  uint16_t expected = 0;
  if (star < 1 || line[star] != STAR) return SE_LINE_SYNTAX;
  for (uint8_t i = (uint8_t)(star + 1); i < len; i++) {
    int8_t digit = hex_upper(line[i]);
    if (digit < 0) return SE_LINE_SYNTAX;
    expected = (uint16_t)((expected << 4) | (uint8_t)digit);
  }
  for (uint8_t i = 0; i < (uint8_t)star; i++) {
    if (line[i] < 0x20u || line[i] > 0x7Eu || line[i] == STAR) return SE_LINE_SYNTAX;
  }
  if (se_crc16(line, (uint16_t)star) != expected) return SE_LINE_CRC;
  /* §Framing: tokens are separated by exactly one space; no leading or trailing space. */
  tokens->count = 0;
  uint8_t start = 0;
  for (uint8_t i = 0; i <= (uint8_t)star; i++) {
    if (i < (uint8_t)star && line[i] != SPACE) continue;
    if (i == start || tokens->count >= SE_MAX_TOKENS) return SE_LINE_SYNTAX;
    tokens->start[tokens->count] = start;
    tokens->len[tokens->count] = (uint8_t)(i - start);
    tokens->count++;
    start = (uint8_t)(i + 1);
  }
  return SE_LINE_OK;
}
