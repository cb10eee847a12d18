// Framing (§Framing, §Device rules 1 and 5): splits a byte stream into lines, pulls out the
// 0x18 e-stop byte wherever it appears, and bounds every line at 128 bytes.

import { CR, ESTOP_BYTE, LF, MAX_LINE_BYTES } from './constants.js';

export interface LineSink {
  /** A complete line without its LF (and without a CR directly before the LF). The view is only valid during the call. */
  line(bytes: Uint8Array): void;
  /** A line over 128 bytes was discarded up to its LF. `head` holds its first bytes, for the seq. */
  tooLong(head: Uint8Array): void;
  /** 0x18 was seen. The partial line before it is discarded. */
  estop(): void;
}

export class LineSplitter {
  // A partial line never exceeds MAX_LINE_BYTES; beyond that only the head is kept.
  private readonly partial = Buffer.allocUnsafe(MAX_LINE_BYTES);
  private partialLength = 0;
  private overflowed = false;

  push(chunk: Uint8Array, sink: LineSink): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let estopAt = bytes.indexOf(ESTOP_BYTE);
    while (start < bytes.length) {
      const lfAt = bytes.indexOf(LF, start);
      if (estopAt !== -1 && (lfAt === -1 || estopAt < lfAt)) {
        this.clear();
        sink.estop();
        start = estopAt + 1;
        estopAt = bytes.indexOf(ESTOP_BYTE, start);
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
