// The incremental Protocol 2.0 parser: any chunking in, packets and typed errors out, never a throw.
// ROBOTIS e-Manual, Protocol 2.0 §Packet Process, reception: find the header FF FF FD (the stuffed
// FF FF FD FD is not one), read the length, check the CRC over the bytes as received, then unstuff.
//
// Resynchronisation: bytes before a header are reported as DXL_NOISE; a header whose length is out of
// bounds (DXL_BAD_LENGTH) or whose CRC fails (DXL_CRC_MISMATCH) has only its 4 header bytes skipped, so
// a good packet that started inside a cut-short one is still found; and a header still waiting for its
// length is given up (as DXL_NOISE) as soon as a whole valid packet is buffered after it. Every byte
// pushed is accounted for exactly once: in a packet's `wire`, in an error's `bytes`, or in
// `bufferedBytes`. The parser keeps no time: a packet cut short, with nothing valid after it, stays
// buffered until the session, on its timeout, calls reset(). What it buffers is bounded by maxPacketBytes.

import type { DriverCodecErrorCode } from '../errors.js';
import { dynamixelCrc16 } from './crc16.js';
import type { DynamixelPacket } from './packet.js';
import { DXL_MAX_PACKET_BYTES, DXL_PREFIX_BYTES } from './protocol.js';
import { unstuff } from './stuffing.js';

/** §Length: the instruction and the two CRC bytes at least. */
const MIN_LENGTH = 3;
const HEADER_BYTES = 4;

export interface DynamixelParseError {
  kind: 'error';
  code: Extract<DriverCodecErrorCode, 'DXL_NOISE' | 'DXL_BAD_LENGTH' | 'DXL_CRC_MISMATCH'>;
  /** How many input bytes this error accounts for (skipped). */
  bytes: number;
  /** The ID field of the packet, for a length or CRC error. */
  id?: number;
  detail: string;
}

export type DynamixelParserItem = { kind: 'packet'; packet: DynamixelPacket } | DynamixelParseError;

export interface DynamixelParserOptions {
  /** Longest packet accepted, header to CRC. Default 1024 (the DynamixelSDK's RXPACKET_MAX_LEN). */
  maxPacketBytes?: number;
}

/** Length of the longest suffix of `bytes[start, end)` that could begin a header (FF, FF FF, FF FF FD). */
function headerPrefixAtEnd(bytes: Uint8Array, start: number, end: number): number {
  for (const n of [3, 2, 1]) {
    if (end - start < n) continue;
    const s = end - n;
    if (bytes[s] === 0xff && (n < 2 || bytes[s + 1] === 0xff) && (n < 3 || bytes[s + 2] === 0xfd)) return n;
  }
  return 0;
}

function findHeader(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i + HEADER_BYTES <= end; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xff && bytes[i + 2] === 0xfd && bytes[i + 3] === 0x00)
      return i;
  }
  return -1;
}

export class DynamixelPacketParser {
  private readonly maxPacketBytes: number;
  private buffer = new Uint8Array(0);

  constructor(options: DynamixelParserOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? DXL_MAX_PACKET_BYTES;
  }

  /** Bytes held back: the start of a packet (or of a header) still waiting for the rest. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  /** Feed any chunk; `onItem` runs synchronously once per packet or error, in stream order. */
  push(chunk: Uint8Array, onItem: (item: DynamixelParserItem) => void): void {
    const bytes = new Uint8Array(this.buffer.length + chunk.length);
    bytes.set(this.buffer, 0);
    bytes.set(chunk, this.buffer.length);
    const end = bytes.length;
    let pos = 0;
    for (;;) {
      const header = findHeader(bytes, pos, end);
      if (header < 0) {
        const keep = headerPrefixAtEnd(bytes, pos, end);
        if (end - keep > pos) onItem(noise(end - keep - pos));
        pos = end - keep;
        break;
      }
      if (header > pos) onItem(noise(header - pos));
      pos = header;
      if (end - pos < DXL_PREFIX_BYTES) break;
      const id = bytes[pos + 4]!;
      const length = bytes[pos + 5]! | (bytes[pos + 6]! << 8);
      const total = DXL_PREFIX_BYTES + length;
      if (length < MIN_LENGTH || total > this.maxPacketBytes) {
        onItem({
          kind: 'error',
          code: 'DXL_BAD_LENGTH',
          bytes: HEADER_BYTES,
          id,
          detail: `length ${length} (a packet is ${MIN_LENGTH}..${this.maxPacketBytes - DXL_PREFIX_BYTES})`,
        });
        pos += HEADER_BYTES;
        continue;
      }
      if (end - pos < total) {
        // Still incomplete. If a whole, valid packet already starts further on, this header was not a
        // real one (stuffing keeps FF FF FD 00 out of a real packet's fields): skip to that packet
        // rather than wait for a length that garbage announced.
        const next = this.nextValidPacket(bytes, pos + HEADER_BYTES, end);
        if (next < 0) break;
        onItem(noise(next - pos));
        pos = next;
        continue;
      }
      const received = bytes[pos + total - 2]! | (bytes[pos + total - 1]! << 8);
      const computed = dynamixelCrc16(bytes, pos, pos + total - 2);
      if (received !== computed) {
        onItem({
          kind: 'error',
          code: 'DXL_CRC_MISMATCH',
          bytes: HEADER_BYTES,
          id,
          detail: `CRC ${hex(received)} received, ${hex(computed)} computed`,
        });
        pos += HEADER_BYTES;
        continue;
      }
      const wire = bytes.slice(pos, pos + total);
      const payload = unstuff(wire.subarray(DXL_PREFIX_BYTES, total - 2));
      onItem({
        kind: 'packet',
        packet: { id, instruction: payload[0]!, params: payload.slice(1), wire },
      });
      pos += total;
    }
    this.buffer = bytes.slice(pos);
  }

  /** Where the first complete packet with a good CRC starts in `bytes[from, end)`, or -1. */
  private nextValidPacket(bytes: Uint8Array, from: number, end: number): number {
    for (let at = findHeader(bytes, from, end); at >= 0; at = findHeader(bytes, at + 1, end)) {
      if (end - at < DXL_PREFIX_BYTES) return -1;
      const total = DXL_PREFIX_BYTES + (bytes[at + 5]! | (bytes[at + 6]! << 8));
      if (total < DXL_PREFIX_BYTES + MIN_LENGTH || total > this.maxPacketBytes || end - at < total) continue;
      const received = bytes[at + total - 2]! | (bytes[at + total - 1]! << 8);
      if (received === dynamixelCrc16(bytes, at, at + total - 2)) return at;
    }
    return -1;
  }

  /** Convenience for tests and tools: the items of one chunk. */
  decode(chunk: Uint8Array): DynamixelParserItem[] {
    const items: DynamixelParserItem[] = [];
    this.push(chunk, (item) => items.push(item));
    return items;
  }

  /** Drops whatever is buffered (after a timeout, or when the port reopens). */
  reset(): void {
    this.buffer = new Uint8Array(0);
  }
}

function noise(bytes: number): DynamixelParseError {
  return { kind: 'error', code: 'DXL_NOISE', bytes, detail: `${bytes} bytes outside any packet` };
}

function hex(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;
}
