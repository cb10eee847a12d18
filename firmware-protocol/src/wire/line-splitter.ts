// Framing (§Framing, §Device rules 1 and 5, §v2 Stop): splits a byte stream into lines, pulls out
// the stop wherever it appears (0x18 in v1; three consecutive 0x96 in v2), and bounds every line at 128 bytes.

import { CR, ESTOP_BYTE, LF, MAX_LINE_BYTES, V2_STOP_BYTE, V2_STOP_RUN } from './constants.js';
import type { ProtocolVersion } from './messages.js';

export interface LineSink {
  /** A complete line without its LF (and without a CR directly before the LF). The view is only valid during the call. */
  line(bytes: Uint8Array): void;
  /** A line over 128 bytes was discarded up to its LF. `head` holds its first bytes, for the seq. */
  tooLong(head: Uint8Array): void;
  /**
   * A stop was seen: 0x18 in v1; in v2 V2_STOP_RUN consecutive 0x96, once per stop burst however long.
   * The partial line before it is discarded.
   */
  estop(): void;
}

/**
 * §v2 Stop: a byte at Hamming distance 0 or 1 from 0x96, that is a copy of the stop byte, intact or
 * damaged by one bit. None of the nine is a line byte.
 */
export function isStopCopy(byte: number): boolean {
  const diff = byte ^ V2_STOP_BYTE;
  return (diff & (diff - 1)) === 0;
}

export class LineSplitter {
  private stopModeValue: ProtocolVersion = 1;
  // A partial line never exceeds MAX_LINE_BYTES; beyond that only the head is kept.
  private readonly partial = Buffer.allocUnsafe(MAX_LINE_BYTES);
  private partialLength = 0;
  private overflowed = false;
  /** §v2 Stop: how many 0x96 bytes directly precede the next byte (fewer than V2_STOP_RUN, or it would have stopped). */
  private stopRun = 0;
  /** §v2 Stop: a stop was taken and the copies of 0x96 directly after it are the rest of its burst. */
  private inStopBurst = false;

  /**
   * Which stop the stream carries: 1 = 0x18 (§Device rule 5, also used while there is no session),
   * 2 = V2_STOP_RUN consecutive 0x96 (§v2 Stop). A line may switch it (HELLO): the bytes after that line are
   * read with the new mode.
   */
  get stopMode(): ProtocolVersion {
    return this.stopModeValue;
  }
  set stopMode(mode: ProtocolVersion) {
    if (mode === this.stopModeValue) return;
    this.stopModeValue = mode;
    this.stopRun = 0;
    this.inStopBurst = false;
  }

  push(chunk: Uint8Array, sink: LineSink): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let mode = this.stopModeValue;
    // The next stop at or after `start`, searched again when a stop was taken, the mode changed, or it was passed.
    let stopAt = -1;
    let stopSearched = false;
    while (start < bytes.length) {
      if (this.inStopBurst) {
        // §v2 Stop: the rest of a stop burst (more copies, intact or one bit off) belongs to the stop taken.
        if (isStopCopy(bytes[start]!)) {
          start++;
          continue;
        }
        this.inStopBurst = false;
      }
      if (!stopSearched || mode !== this.stopModeValue || (stopAt !== -1 && stopAt < start)) {
        mode = this.stopModeValue;
        stopAt = this.findStop(bytes, start);
        stopSearched = true;
      }
      const lfAt = bytes.indexOf(LF, start);
      if (stopAt !== -1 && (lfAt === -1 || stopAt < lfAt)) {
        // §Device rule 5 / §v2 Stop: the partial line (with any lone copies in it) is discarded.
        this.clear();
        this.stopRun = 0;
        sink.estop();
        start = stopAt + 1;
        this.inStopBurst = mode === 2;
        stopSearched = false;
        continue;
      }
      if (lfAt === -1) {
        if (mode === 2) this.stopRun = this.trailingStopRun(bytes, start);
        this.append(bytes, start, bytes.length);
        return;
      }
      this.stopRun = 0;
      this.finishLine(bytes, start, lfAt, sink);
      start = lfAt + 1;
    }
  }

  /** Forget any partial line, e.g. after the transport reconnects. */
  reset(): void {
    this.clear();
    this.stopRun = 0;
    this.inStopBurst = false;
  }

  /**
   * Index of the byte that completes the next stop at or after `from`, or -1: the 0x18 in v1; in v2 the
   * 0x96 that makes V2_STOP_RUN consecutive ones, counting those that ended the previous chunk.
   */
  private findStop(bytes: Buffer, from: number): number {
    if (this.stopModeValue !== 2) return bytes.indexOf(ESTOP_BYTE, from);
    let run = this.stopRun;
    let at = from;
    while (at < bytes.length) {
      if (bytes[at] === V2_STOP_BYTE) {
        run++;
        if (run >= V2_STOP_RUN) return at;
        at++;
      } else {
        run = 0;
        at = bytes.indexOf(V2_STOP_BYTE, at + 1);
        if (at === -1) return -1;
      }
    }
    return -1;
  }

  /** §v2 Stop: the 0x96 bytes at the end of a chunk whose tail from `from` holds no stop, with those before it. */
  private trailingStopRun(bytes: Buffer, from: number): number {
    let at = bytes.length;
    while (at > from && bytes[at - 1] === V2_STOP_BYTE) at--;
    const run = bytes.length - at;
    return at === from ? this.stopRun + run : run;
  }

  private finishLine(bytes: Buffer, start: number, lfAt: number, sink: LineSink): void {
    const totalLength = this.partialLength + (lfAt - start) + 1; // + LF
    if (this.overflowed || totalLength > MAX_LINE_BYTES) {
      this.append(bytes, start, lfAt);
      const head = this.partial.subarray(0, this.partialLength);
      this.clear();
      sink.tooLong(head);
      return;
    }
    let line: Uint8Array;
    if (this.partialLength === 0) {
      line = bytes.subarray(start, lfAt); // fast path: no copy
    } else {
      this.append(bytes, start, lfAt);
      line = this.partial.subarray(0, this.partialLength);
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.clear();
    sink.line(line);
  }

  private append(bytes: Buffer, start: number, end: number): void {
    const room = MAX_LINE_BYTES - this.partialLength;
    const count = Math.min(room, end - start);
    if (count > 0) {
      bytes.copy(this.partial, this.partialLength, start, start + count);
      this.partialLength += count;
    }
    // A line that fills the buffer without an LF can only be too long (LF counts toward 128).
    if (end - start > room || this.partialLength >= MAX_LINE_BYTES) this.overflowed = true;
  }

  private clear(): void {
    this.partialLength = 0;
    this.overflowed = false;
  }
}
