// Streaming decoders: arbitrary chunks in (split anywhere, garbage, 0x18 mid-line), typed items out.

import type { DecodeError, DeviceBoundItem, HostBoundItem } from './frames.js';
import { type LineSink, LineSplitter } from './line-splitter.js';
import { parseCommandLine, parseDeviceLine, readableSeq } from './parse-line.js';

function tooLongError(head: Uint8Array): DecodeError {
  const seq = readableSeq(head);
  const detail = 'line over 128 bytes';
  return seq === undefined
    ? { kind: 'error', code: 'TOO_LONG', detail }
    : { kind: 'error', code: 'TOO_LONG', seq, detail };
}

class StreamDecoder<Item> {
  private readonly splitter = new LineSplitter();
  private emit: (item: Item) => void = () => {};
  private readonly sink: LineSink;

  constructor(parse: (line: Uint8Array) => Item) {
    this.sink = {
      line: (bytes) => this.emit(parse(bytes)),
      tooLong: (head) => this.emit(tooLongError(head) as Item),
      estop: () => this.emit({ kind: 'estop' } as Item),
    };
  }

  /** Feed any chunk; `onItem` is called synchronously, once per item, in stream order. Never throws on input. */
  push(chunk: Uint8Array, onItem: (item: Item) => void): void {
    this.emit = onItem;
    this.splitter.push(chunk, this.sink);
  }

  /** Convenience for tests and tools: decode a chunk into an array. */
  decode(chunk: Uint8Array): Item[] {
    const items: Item[] = [];
    this.push(chunk, (item) => items.push(item));
    return items;
  }

  reset(): void {
    this.splitter.reset();
  }
}

/** Decodes what the host sends (used by the device). */
export class CommandDecoder extends StreamDecoder<DeviceBoundItem> {
  constructor() {
    super(parseCommandLine);
  }
}

/** Decodes what the device sends (used by the host). */
export class DeviceLineDecoder extends StreamDecoder<HostBoundItem> {
  constructor() {
    super(parseDeviceLine);
  }
}
