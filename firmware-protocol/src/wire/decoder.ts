// Streaming decoders: arbitrary chunks in (split anywhere, garbage, the stop byte mid-line), typed items out.
// Each reads the lines as a session of its current version reads them; a session switches the version
// when its HELLO is answered, and lines after that one in the same chunk are read in the new version.

import type { DecodeError, DeviceBoundItem, HostBoundItem } from './frames.js';
import { type LineSink, LineSplitter } from './line-splitter.js';
import type { ProtocolVersion } from './messages.js';
import { parseCommandLine, parseDeviceLine, readableSeq } from './parse-line.js';

function tooLongError(head: Uint8Array): DecodeError {
  const seq = readableSeq(head);
  const detail = 'line over 128 bytes';
  return seq === undefined
    ? { kind: 'error', code: 'TOO_LONG', detail }
    : { kind: 'error', code: 'TOO_LONG', seq, detail };
}

class StreamDecoder<Item> {
  protected readonly splitter = new LineSplitter();
  private emit: (item: Item) => void = () => {};
  private readonly sink: LineSink;
  private versionValue: ProtocolVersion = 1;

  constructor(parse: (line: Uint8Array, version: ProtocolVersion) => Item) {
    this.sink = {
      line: (bytes) => this.emit(parse(bytes, this.versionValue)),
      tooLong: (head) => this.emit(tooLongError(head) as Item),
      estop: () => this.emit({ kind: 'estop' } as Item),
    };
  }

  /** The version lines are read in; 1 until a session says otherwise. */
  get version(): ProtocolVersion {
    return this.versionValue;
  }
  set version(version: ProtocolVersion) {
    this.versionValue = version;
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

/**
 * Decodes what the host sends (used by the device). `helloVersion` is the highest version the device
 * speaks: HELLO is read with it whatever the session's version (§v2 Negotiation). In a v2 session
 * the stop is three 0x96 in a row instead of 0x18 (§v2 Stop).
 */
export class CommandDecoder extends StreamDecoder<DeviceBoundItem> {
  constructor(helloVersion: ProtocolVersion = 1) {
    super((line, version) =>
      parseCommandLine(line, version, Math.max(version, helloVersion) as ProtocolVersion),
    );
  }

  override set version(version: ProtocolVersion) {
    super.version = version;
    this.splitter.stopMode = version;
  }
  override get version(): ProtocolVersion {
    return super.version;
  }
}

/** Decodes what the device sends (used by the host). */
export class DeviceLineDecoder extends StreamDecoder<HostBoundItem> {
  constructor() {
    super(parseDeviceLine);
  }
}
