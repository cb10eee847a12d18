// Status packets: the error byte by name, the data, and the one packet of a Fast Sync Read that carries
// every servo's block. ROBOTIS e-Manual, Protocol 2.0 §Status Packet and §Fast Sync Read. Never throws on
// input: a packet that is not what was expected is a typed error.

import type { DriverCodecErrorCode } from '../errors.js';
import { DriverCodecError } from '../errors.js';
import { dynamixelCrc16 } from './crc16.js';
import { checkId, type DynamixelPacket, encodePacket } from './packet.js';
import {
  DXL_BROADCAST_ID,
  DXL_PREFIX_BYTES,
  DXL_STATUS_INSTRUCTION,
  type DynamixelStatusError,
  decodeStatusError,
} from './protocol.js';
import { stuff } from './stuffing.js';

export interface DynamixelStatus {
  readonly id: number;
  readonly error: DynamixelStatusError;
  /** The parameters after the error byte: what was read, or the model number and firmware of a Ping. */
  readonly data: Uint8Array;
}

export interface DynamixelStatusProblem {
  kind: 'error';
  code: Extract<DriverCodecErrorCode, 'DXL_NOT_A_STATUS' | 'DXL_BAD_STATUS' | 'DXL_CRC_MISMATCH'>;
  id: number;
  detail: string;
}

export type StatusResult = { kind: 'status'; status: DynamixelStatus } | DynamixelStatusProblem;

/**
 * Reads `packet` as a status packet. With `expect`, also checks that it comes from that ID and carries
 * that many data bytes (a Read of 4 bytes must answer with 4).
 */
export function toStatus(
  packet: DynamixelPacket,
  expect: { id?: number; dataBytes?: number } = {},
): StatusResult {
  if (packet.instruction !== DXL_STATUS_INSTRUCTION || packet.params.length < 1) {
    return {
      kind: 'error',
      code: 'DXL_NOT_A_STATUS',
      id: packet.id,
      detail: `instruction 0x${packet.instruction.toString(16)} with ${packet.params.length} parameters`,
    };
  }
  const data = packet.params.subarray(1);
  if (expect.id !== undefined && packet.id !== expect.id) {
    return {
      kind: 'error',
      code: 'DXL_BAD_STATUS',
      id: packet.id,
      detail: `from ID ${packet.id}, expected ${expect.id}`,
    };
  }
  // An error status may come without the data (a failed Read answers with the error byte alone).
  const failed = (packet.params[0]! & 0x7f) !== 0;
  if (expect.dataBytes !== undefined && data.length !== expect.dataBytes && !(failed && data.length === 0)) {
    return {
      kind: 'error',
      code: 'DXL_BAD_STATUS',
      id: packet.id,
      detail: `${data.length} data bytes, expected ${expect.dataBytes}`,
    };
  }
  return { kind: 'status', status: { id: packet.id, error: decodeStatusError(packet.params[0]!), data } };
}

/** One servo's block in a Fast Sync Read status. */
export interface FastSyncReadEntry {
  readonly id: number;
  readonly error: DynamixelStatusError;
  readonly data: Uint8Array;
}

export type FastSyncReadResult =
  | { kind: 'fastSyncRead'; entries: readonly FastSyncReadEntry[] }
  | DynamixelStatusProblem;

/**
 * Splits the status of a Fast Sync Read (§Fast Sync Read): one packet from ID 254 whose parameters are,
 * for each servo in the order asked, its error byte, its ID and `dataBytes` of data, followed by two CRC
 * bytes, except after the last block, where the packet's own CRC follows. Each inner CRC is the running
 * CRC-16 of the packet from its header to the end of that block's data, as sent (the e-Manual's example
 * packet, in test-fixtures/hw-vectors.json, holds exactly that); a wrong one is DXL_CRC_MISMATCH.
 */
export function toFastSyncReadStatus(
  packet: DynamixelPacket,
  ids: readonly number[],
  dataBytes: number,
): FastSyncReadResult {
  if (packet.instruction !== DXL_STATUS_INSTRUCTION) {
    return { kind: 'error', code: 'DXL_NOT_A_STATUS', id: packet.id, detail: 'not a status packet' };
  }
  if (packet.id !== DXL_BROADCAST_ID) {
    return {
      kind: 'error',
      code: 'DXL_BAD_STATUS',
      id: packet.id,
      detail: 'a Fast Sync Read answers from ID 254',
    };
  }
  // Walk the stuffed field, keeping for every unstuffed byte where it ends on the wire.
  const wire = packet.wire;
  const fieldEnd = wire.length - 2;
  const unstuffed: number[] = [];
  const wireEnd: number[] = [];
  for (let i = DXL_PREFIX_BYTES; i < fieldEnd; i++) {
    unstuffed.push(wire[i]!);
    const n = unstuffed.length;
    if (
      n >= 3 &&
      unstuffed[n - 1] === 0xfd &&
      unstuffed[n - 2] === 0xff &&
      unstuffed[n - 3] === 0xff &&
      wire[i + 1] === 0xfd
    ) {
      i++;
    }
    wireEnd.push(i + 1);
  }
  const blocks = ids.length;
  const expected = 1 + blocks * (2 + dataBytes) + (blocks - 1) * 2;
  if (blocks === 0 || unstuffed.length !== expected) {
    return {
      kind: 'error',
      code: 'DXL_BAD_STATUS',
      id: packet.id,
      detail: `${unstuffed.length - 1} parameter bytes, ${blocks} blocks of ${dataBytes} need ${expected - 1}`,
    };
  }
  const entries: FastSyncReadEntry[] = [];
  let at = 1;
  for (let b = 0; b < blocks; b++) {
    const errorByte = unstuffed[at]!;
    const id = unstuffed[at + 1]!;
    if (id !== ids[b]) {
      return {
        kind: 'error',
        code: 'DXL_BAD_STATUS',
        id,
        detail: `block ${b} is from ID ${id}, expected ${ids[b]}`,
      };
    }
    const data = Uint8Array.from(unstuffed.slice(at + 2, at + 2 + dataBytes));
    at += 2 + dataBytes;
    if (b < blocks - 1) {
      const received = unstuffed[at]! | (unstuffed[at + 1]! << 8);
      const computed = dynamixelCrc16(wire, 0, wireEnd[at - 1]!);
      if (received !== computed) {
        return { kind: 'error', code: 'DXL_CRC_MISMATCH', id, detail: `inner CRC of block ${b} (ID ${id})` };
      }
      at += 2;
    }
    entries.push({ id, error: decodeStatusError(errorByte), data });
  }
  return { kind: 'fastSyncRead', entries };
}

/**
 * Builds a Fast Sync Read status packet (what the servos send together), for tools and the codec's own
 * round trips. Each inner CRC covers the stuffed packet up to it, length field included, and may itself
 * need stuffing, which changes the length: iterate until nothing changes. For the rare data where it
 * never settles there is no consistent packet, and this throws DXL_VALUE_OUT_OF_RANGE.
 */
export function encodeFastSyncReadStatus(
  entries: readonly { id: number; errorByte: number; data: Uint8Array }[],
): Buffer {
  if (entries.length === 0) throw new DriverCodecError('DXL_BAD_ID', 'a Fast Sync Read status needs a block');
  for (const entry of entries) checkId(entry.id, false);
  const dataBytes = entries[0]!.data.length;
  if (entries.some((e) => e.data.length !== dataBytes)) {
    throw new DriverCodecError(
      'DXL_VALUE_OUT_OF_RANGE',
      'every block of a Fast Sync Read has the same length',
    );
  }
  let crcs = entries.map(() => 0);
  for (let round = 0; round < 8; round++) {
    const params: number[] = [];
    entries.forEach((entry, b) => {
      params.push(entry.errorByte & 0xff, entry.id, ...entry.data);
      if (b < entries.length - 1) params.push(crcs[b]! & 0xff, crcs[b]! >> 8);
    });
    const packet = encodePacket(DXL_BROADCAST_ID, DXL_STATUS_INSTRUCTION, Uint8Array.from(params));
    // Recompute each inner CRC over the packet as framed now.
    const next: number[] = [];
    const field = [DXL_STATUS_INSTRUCTION, ...params];
    let unstuffedEnd = 1;
    for (let b = 0; b < entries.length - 1; b++) {
      unstuffedEnd += 2 + dataBytes;
      const stuffedPrefix = stuff(Uint8Array.from(field.slice(0, unstuffedEnd))).length;
      next.push(dynamixelCrc16(packet, 0, DXL_PREFIX_BYTES + stuffedPrefix));
      unstuffedEnd += 2;
    }
    if (next.every((crc, b) => crc === crcs[b])) return packet;
    crcs = next;
  }
  throw new DriverCodecError(
    'DXL_VALUE_OUT_OF_RANGE',
    'no consistent Fast Sync Read packet: its inner CRCs and its stuffing change each other',
  );
}
