/* Framing (§Framing, §Device rules 1 and 5, §v2 Stop): turns the received byte stream into lines,
 * takes the realtime stop out of it wherever it appears (0x18 in v1 and without a session; three
 * consecutive 0x96 in v2) and bounds every line at 128 bytes. One byte at a time, so the UART
 * receive path never has to find line ends itself. */
#ifndef SE_LINE_SPLITTER_H
#define SE_LINE_SPLITTER_H

#include <stdint.h>

/** §Framing: a line is at most 128 bytes, LF (and CR) included. */
#define SE_MAX_LINE_BYTES 128u
#define SE_LF 0x0Au
#define SE_CR 0x0Du
/** §Device rule 5: the v1 stop byte (CAN). */
#define SE_V1_STOP_BYTE 0x18u
/** §v2 Stop: the v2 stop byte, three in a row make a stop. */
#define SE_V2_STOP_BYTE 0x96u
#define SE_V2_STOP_RUN 3u

typedef enum {
  SE_SPLIT_NONE = 0,
  /** A complete line (without LF, and without a CR directly before it) is in `line`/`line_len`. */
  SE_SPLIT_LINE,
  /** A line over 128 bytes ended; `line` holds its first bytes (for the seq, §Device rule 1). */
  SE_SPLIT_TOO_LONG,
  /** The stop of the current mode was seen; the partial line was discarded. */
  SE_SPLIT_STOP,
} se_split_result;

typedef struct {
  uint8_t line[SE_MAX_LINE_BYTES];
  uint8_t line_len;
  /** More bytes arrived than a line may hold: the line ends as TOO_LONG. */
  uint8_t overflowed;
  /** The last result was a line: the buffer is reused on the next byte. */
  uint8_t consumed;
  /** 1: the stop is 0x18; 2: three 0x96 in a row (§v2 Stop). */
  uint8_t stop_mode;
  /** §v2 Stop: consecutive 0x96 bytes directly before the next byte (fewer than three). */
  uint8_t stop_run;
  /** §v2 Stop: a stop was taken and copies of 0x96 directly after it belong to it. */
  uint8_t in_stop_burst;
} se_line_splitter;

void se_splitter_init(se_line_splitter *s);
/** Forget the partial line and any stop run (boot, or an input e-stop). */
void se_splitter_reset(se_line_splitter *s);
/** Switch the stop (§v2 Stop): the bytes after the line that switched it are read in the new mode. */
void se_splitter_set_mode(se_line_splitter *s, uint8_t mode);
se_split_result se_splitter_push(se_line_splitter *s, uint8_t byte);
/** §v2 Stop: 0x96 or a byte one bit away from it (0x16 0x86 0x92 0x94 0x97 0x9E 0xB6 0xD6). */
uint8_t se_is_stop_copy(uint8_t byte);

#endif
