// Numeric constants of the protocol, each named after the PROTOCOL.md clause that fixes it.

/** §Framing: a line is at most 128 bytes, LF included. */
export const MAX_LINE_BYTES = 128;
/** §Framing: line terminator. */
export const LF = 0x0a;
/** §Framing: a CR directly before the LF is ignored. */
export const CR = 0x0d;
/** §Framing: separates the body from its checksum. */
export const STAR = 0x2a;
/** §Device rule 5: the realtime e-stop byte (CAN) of a v1 session. Never part of a line. */
export const ESTOP_BYTE = 0x18;
/** §v2 Stop: the realtime stop byte of a v2 session. Distance ≥ 2 from every line byte. */
export const V2_STOP_BYTE = 0x96;
/**
 * §v2 Stop: a v2 device stops on this many consecutive 0x96 bytes (three). Two are not enough: one
 * byte damaged into 0x96 and then duplicated on the line makes two.
 */
export const V2_STOP_RUN = 3;
/**
 * §v2 Stop: what a v2 host writes for a stop: 0x96 eight times. One damaged, dropped or duplicated
 * copy still leaves at least four consecutive intact ones, and two damaged copies hide the stop only
 * if they are the third and the sixth.
 */
export const V2_STOP_SEQUENCE: readonly number[] = Array.from({ length: 8 }, () => V2_STOP_BYTE);
/** §Framing: seq runs 1..65535, then wraps to 1. */
export const SEQ_MIN = 1;
export const SEQ_MAX = 65535;
/**
 * §v2 Events: the largest event window (`ev=`) a device may advertise. 256 events of at most 64 bytes
 * each is 16 KB, which a 32-bit controller running several stations of triggered moves can spare.
 */
export const EVENT_WINDOW_MAX = 256;
/** §Device rule 2: a seq among this many before `next` is a retransmission. */
export const REPLAY_WINDOW_FRAMES = 32;
/** §Device rule 4: the device answers every command within this time. */
export const DEVICE_REPLY_BUDGET_MS = 50;
/** §Device rule 6: bounds of WDOG. */
export const WATCHDOG_MIN_MS = 100;
export const WATCHDOG_MAX_MS = 60000;
/** §Commands: STREAM rate bound. */
export const STREAM_MAX_HZ = 200;
/** §Physical layer: default UART rate, 8N1 = 10 bits on the wire per byte. */
export const DEFAULT_BAUD = 115200;
export const BITS_PER_UART_BYTE = 10;
/** The protocol version of BOOT's `proto=` and of a plain HELLO (§Device rule 3, §v2 Negotiation). */
export const PROTOCOL_VERSION = 1;

/** Wire time of `byteCount` bytes at `baud` (8N1), in ms. */
export function wireTimeMs(byteCount: number, baud: number = DEFAULT_BAUD): number {
  return (byteCount * BITS_PER_UART_BYTE * 1000) / baud;
}
