// Framing (§Framing, §Device rules 1 and 5, §v2 Stop): splits a byte stream into lines, pulls out
// the stop byte wherever it appears (0x18 in v1, 0x96 in v2), and bounds every line at 128 bytes.

import { CR, ESTOP_BYTE, LF, MAX_LINE_BYTES, V2_STOP_BYTE } from './constants.js';
import type { ProtocolVersion } from './messages.js';

export interface LineSink {
  /** A complete line without its LF (and without a CR directly before the LF). The view is only valid during the call. */
  line(bytes: Uint8Array): void;
  /** A line over 128 bytes was discarded up to its LF. `head` holds its first bytes, for the seq. */
  tooLong(head: Uint8Array): void;
  /** The stop byte was seen (0x18, or in v2 0x96; a pair counts once). The partial line before it is discarded. */
  estop(): void;
}

/** §v2 Stop: a byte at Hamming distance 0 or 1 from 0x96 (the stop byte or a damaged copy of it). */
export function isStopCopy(byte: number): boolean {
  const diff = byte ^ V2_STOP_BYTE;
  return (diff & (diff - 1)) === 0;
}

export class LineSplitter {
  /**
   * Which stop the stream carries: 1 = 0x18 (§Device rule 5, also used while there is no session),
   * 2 = 0x96 twice (§v2 Stop). A line may switch it (HELLO): the bytes after that line are read
   * with the new mode.
   */
  stopMode: ProtocolVersion = 1;
  // A partial line never exceeds MAX_LINE_BYTES; beyond that only the head is kept.
  private readonly partial = Buffer.allocUnsafe(MAX_LINE_BYTES);
  private partialLength = 0;
  private overflowed = false;
  /** §v2 Stop: the byte after a 0x96 stop is the second copy if it is within one bit of 0x96. */
  private afterV2Stop = false;

  push(chunk: Uint8Array, sink: LineSink): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let stopByte = this.stopByte();
    let stopAt = bytes.indexOf(stopByte);
    while (start < bytes.length) {
      if (this.afterV2Stop) {
        this.afterV2Stop = false;
        if (this.stopMode === 2 && isStopCopy(bytes[start]!)) {
          start++; // the second copy of the stop just taken, intact or damaged: one stop, not two
          continue;
        }
      }
      if (stopByte !== this.stopByte() || (stopAt !== -1 && stopAt < start)) {
        stopByte = this.stopByte();
        stopAt = bytes.indexOf(stopByte, start);
      }
      const lfAt = bytes.indexOf(LF, start);
      if (stopAt !== -1 && (lfAt === -1 || stopAt < lfAt)) {
        this.clear();
        sink.estop();
        start = stopAt + 1;
        this.afterV2Stop = stopByte === V2_STOP_BYTE;
        stopAt = bytes.indexOf(stopByte, start);
        continue;
      }
      if (lfAt === -1) {
        this.append(bytes, start, bytes.length);
        return;
      }
      this.finishLine(bytes, start, lfAt, sink);
      start = lfAt + 1;
    }
  }

  /** Forget any partial line, e.g. after the transport reconnects. */
  reset(): void {
    this.clear();
    this.afterV2Stop = false;
  }

  private stopByte(): number {
    return this.stopMode === 2 ? V2_STOP_BYTE : ESTOP_BYTE;
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
