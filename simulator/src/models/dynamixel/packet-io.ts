// Instruction packets in, status packets out, as a DYNAMIXEL sees its bus (ROBOTIS e-Manual, Protocol
// 2.0 §Instruction Packet, §Status Packet, §Packet Process): look for FF FF FD 00, read ID and length,
// check the CRC over the bytes as received, then remove the byte stuffing (FF FF FD FD -> FF FF FD).
// Sending is the reverse: stuff the instruction and parameters, fix the length, append the CRC.
// Written apart from motion-api's codec on purpose (STYLE.md lesson 16).

import { crc16 } from './crc16.js';

export interface InstructionPacket {
  id: number;
  instruction: number;
  params: Uint8Array;
}

export type BusReadEvent = { kind: 'packet'; packet: InstructionPacket } | { kind: 'crcError'; id: number };

/** What a device accepts at most (the DynamixelSDK's buffers are 1024 bytes). */
const MAX_PACKET_BYTES = 1024;

function addStuffing(field: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    out.push(field[i]!);
    if (i >= 2 && field[i] === 0xfd && field[i - 1] === 0xff && field[i - 2] === 0xff) out.push(0xfd);
  }
  return out;
}

function removeStuffing(field: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < field.length) {
    out.push(field[i]!);
    if (
      i >= 2 &&
      field[i] === 0xfd &&
      field[i - 1] === 0xff &&
      field[i - 2] === 0xff &&
      field[i + 1] === 0xfd
    ) {
      i += 2;
    } else {
      i += 1;
    }
  }
  return Uint8Array.from(out);
}

/** A packet with `instruction` and `params` from (or to) `id`, stuffed and CRC'd. */
export function framePacket(id: number, instruction: number, params: readonly number[]): Uint8Array {
  const field = addStuffing([instruction, ...params]);
  const length = field.length + 2;
  const bytes = [0xff, 0xff, 0xfd, 0x00, id, length & 0xff, length >> 8, ...field];
  const crc = crc16(bytes);
  bytes.push(crc & 0xff, crc >> 8);
  return Uint8Array.from(bytes);
}

/** Collects bytes from the bus into instruction packets. */
export class BusPacketReader {
  private buffer: number[] = [];

  push(bytes: Uint8Array, emit: (event: BusReadEvent) => void): void {
    for (const byte of bytes) this.buffer.push(byte);
    for (;;) {
      const start = this.findHeader();
      if (start < 0) {
        // Keep what could still be the start of a header.
        const keep =
          this.buffer.length >= 3 && this.tailIsHeaderStart(3)
            ? 3
            : this.tailIsHeaderStart(2)
              ? 2
              : this.tailIsHeaderStart(1)
                ? 1
                : 0;
        this.buffer = this.buffer.slice(this.buffer.length - keep);
        return;
      }
      this.buffer = this.buffer.slice(start);
      if (this.buffer.length < 7) return;
      const id = this.buffer[4]!;
      const length = this.buffer[5]! | (this.buffer[6]! << 8);
      if (length < 3 || 7 + length > MAX_PACKET_BYTES) {
        this.buffer = this.buffer.slice(4);
        continue;
      }
      if (this.buffer.length < 7 + length) return;
      const packet = Uint8Array.from(this.buffer.slice(0, 7 + length));
      const received = packet[7 + length - 2]! | (packet[7 + length - 1]! << 8);
      if (crc16(packet, 0, 7 + length - 2) !== received) {
        this.buffer = this.buffer.slice(4);
        emit({ kind: 'crcError', id });
        continue;
      }
      this.buffer = this.buffer.slice(7 + length);
      const field = removeStuffing(packet.subarray(7, 7 + length - 2));
      emit({ kind: 'packet', packet: { id, instruction: field[0]!, params: field.subarray(1) } });
    }
  }

  reset(): void {
    this.buffer = [];
  }

  private findHeader(): number {
    const b = this.buffer;
    for (let i = 0; i + 3 < b.length; i++) {
      if (b[i] === 0xff && b[i + 1] === 0xff && b[i + 2] === 0xfd && b[i + 3] === 0x00) return i;
    }
    return -1;
  }

  private tailIsHeaderStart(n: number): boolean {
    const b = this.buffer;
    if (b.length < n) return false;
    const header = [0xff, 0xff, 0xfd];
    for (let k = 0; k < n; k++) if (b[b.length - n + k] !== header[k]) return false;
    return true;
  }
}
