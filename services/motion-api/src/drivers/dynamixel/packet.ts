// Frames one Protocol 2.0 packet: header, ID, length, stuffed instruction and parameters, CRC-16.
// ROBOTIS e-Manual, Protocol 2.0 §Instruction Packet, §Status Packet, §Packet Process (transmission:
// stuff, then fix the length, then compute the CRC).

import { DriverCodecError } from '../errors.js';
import { dynamixelCrc16 } from './crc16.js';
import {
  DXL_BROADCAST_ID,
  DXL_HEADER,
  DXL_MAX_ID,
  DXL_MAX_PACKET_BYTES,
  DXL_PREFIX_BYTES,
  DXL_STATUS_INSTRUCTION,
} from './protocol.js';
import { stuff } from './stuffing.js';

/** A packet as the parser delivers it. */
export interface DynamixelPacket {
  readonly id: number;
  readonly instruction: number;
  /** The parameters, unstuffed. In a status packet the error byte comes first. */
  readonly params: Uint8Array;
  /** The whole packet as it was on the wire, header to CRC (stuffed). */
  readonly wire: Uint8Array;
}

export function checkId(id: number, allowBroadcast: boolean): void {
  const ok =
    Number.isInteger(id) && ((id >= 0 && id <= DXL_MAX_ID) || (allowBroadcast && id === DXL_BROADCAST_ID));
  if (!ok) {
    throw new DriverCodecError('DXL_BAD_ID', `${id} (0..${DXL_MAX_ID}${allowBroadcast ? ' or 254' : ''})`);
  }
}

/** Frames `instruction` and `params` for `id`. Throws DXL_BAD_ID or DXL_PACKET_TOO_LONG. */
export function encodePacket(
  id: number,
  instruction: number,
  params: Uint8Array = new Uint8Array(0),
): Buffer {
  checkId(id, true);
  const payload = new Uint8Array(1 + params.length);
  payload[0] = instruction;
  payload.set(params, 1);
  const stuffed = stuff(payload);
  // §Length: the instruction, the parameters and the CRC, after stuffing.
  const length = stuffed.length + 2;
  if (DXL_PREFIX_BYTES + length > DXL_MAX_PACKET_BYTES) {
    throw new DriverCodecError(
      'DXL_PACKET_TOO_LONG',
      `${DXL_PREFIX_BYTES + length} bytes > ${DXL_MAX_PACKET_BYTES}`,
    );
  }
  const packet = Buffer.alloc(DXL_PREFIX_BYTES + length);
  packet.set(DXL_HEADER, 0);
  packet[4] = id;
  packet.writeUInt16LE(length, 5);
  packet.set(stuffed, DXL_PREFIX_BYTES);
  const crc = dynamixelCrc16(packet, 0, packet.length - 2);
  packet.writeUInt16LE(crc, packet.length - 2);
  return packet;
}

/**
 * A status packet (what a device sends): instruction 0x55, the error byte, then the data. The host
 * never sends one; tools, tests and the codec's own round trips do.
 */
export function encodeStatusPacket(
  id: number,
  errorByte: number,
  data: Uint8Array = new Uint8Array(0),
): Buffer {
  if (!Number.isInteger(errorByte) || errorByte < 0 || errorByte > 0xff) {
    throw new DriverCodecError('DXL_VALUE_OUT_OF_RANGE', `error byte ${errorByte}`);
  }
  const params = new Uint8Array(1 + data.length);
  params[0] = errorByte;
  params.set(data, 1);
  return encodePacket(id, DXL_STATUS_INSTRUCTION, params);
}
