// Builds instruction packets from typed instructions, and says which status packets each one will draw.
// ROBOTIS e-Manual, DYNAMIXEL Protocol 2.0 §Instruction Details (the parameter layout of each instruction).
// Addresses and lengths are 16-bit little-endian; control-table values are the caller's bytes (see
// control-table.ts for the X-series items and their encoding).

import { DriverCodecError } from '../errors.js';
import { checkId, encodePacket } from './packet.js';
import {
  DXL_BACKUP_KEY,
  DXL_BACKUP_OPERATIONS,
  DXL_BROADCAST_ID,
  DXL_CLEAR_MULTI_TURN,
  DXL_FACTORY_RESET_OPTIONS,
  DXL_INSTRUCTIONS,
} from './protocol.js';

export interface DynamixelIdWrite {
  readonly id: number;
  readonly data: Uint8Array;
}

export interface DynamixelBulkReadEntry {
  readonly id: number;
  readonly address: number;
  readonly length: number;
}

export interface DynamixelBulkWriteEntry {
  readonly id: number;
  readonly address: number;
  readonly data: Uint8Array;
}

/** One instruction, with its parameters by name. `id` 254 is the broadcast ID. */
export type DynamixelInstruction =
  | { instruction: 'ping'; id: number }
  | { instruction: 'read'; id: number; address: number; length: number }
  | { instruction: 'write'; id: number; address: number; data: Uint8Array }
  | { instruction: 'regWrite'; id: number; address: number; data: Uint8Array }
  | { instruction: 'action'; id: number }
  | { instruction: 'factoryReset'; id: number; keep: keyof typeof DXL_FACTORY_RESET_OPTIONS }
  | { instruction: 'reboot'; id: number }
  /** §Clear with P1 0x01: resets the multi-turn count to one turn; only while the servo is stopped. */
  | { instruction: 'clear'; id: number }
  | { instruction: 'controlTableBackup'; id: number; operation: keyof typeof DXL_BACKUP_OPERATIONS }
  | { instruction: 'syncRead'; address: number; length: number; ids: readonly number[] }
  | { instruction: 'syncWrite'; address: number; length: number; writes: readonly DynamixelIdWrite[] }
  | { instruction: 'fastSyncRead'; address: number; length: number; ids: readonly number[] }
  | { instruction: 'bulkRead'; reads: readonly DynamixelBulkReadEntry[] }
  | { instruction: 'bulkWrite'; writes: readonly DynamixelBulkWriteEntry[] };

function checkU16(field: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > 0xffff) {
    throw new DriverCodecError(
      'DXL_VALUE_OUT_OF_RANGE',
      `${field} ${value} is not an integer in ${min}..65535`,
    );
  }
}

function checkIds(ids: readonly number[], what: string): void {
  if (ids.length === 0) throw new DriverCodecError('DXL_BAD_ID', `${what} names no ID`);
  const seen = new Set<number>();
  for (const id of ids) {
    checkId(id, false);
    // §Bulk Read: "The same ID cannot be used multiple times"; a repeated ID would also answer twice.
    if (seen.has(id)) throw new DriverCodecError('DXL_BAD_ID', `${what} names ID ${id} twice`);
    seen.add(id);
  }
}

class Params {
  private readonly bytes: number[] = [];
  u8(value: number): this {
    this.bytes.push(value & 0xff);
    return this;
  }
  u16(value: number): this {
    this.bytes.push(value & 0xff, (value >> 8) & 0xff);
    return this;
  }
  raw(data: Uint8Array): this {
    for (const b of data) this.bytes.push(b);
    return this;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function targetId(instruction: DynamixelInstruction): number {
  return 'id' in instruction ? instruction.id : DXL_BROADCAST_ID;
}

function paramsOf(instruction: DynamixelInstruction): Uint8Array {
  const p = new Params();
  switch (instruction.instruction) {
    case 'ping':
    case 'action':
    case 'reboot':
      return p.build();
    case 'read':
      checkU16('address', instruction.address);
      checkU16('length', instruction.length, 1);
      return p.u16(instruction.address).u16(instruction.length).build();
    case 'write':
    case 'regWrite':
      checkU16('address', instruction.address);
      if (instruction.data.length === 0)
        throw new DriverCodecError('DXL_VALUE_OUT_OF_RANGE', 'no data to write');
      return p.u16(instruction.address).raw(instruction.data).build();
    case 'factoryReset':
      // §Factory Reset: reset-all sent to the broadcast ID is not acted on, so it is never sent.
      if (instruction.keep === 'all' && instruction.id === DXL_BROADCAST_ID) {
        throw new DriverCodecError('DXL_BAD_ID', 'a reset-all factory reset is ignored when broadcast');
      }
      return p.u8(DXL_FACTORY_RESET_OPTIONS[instruction.keep]).build();
    case 'clear':
      return p.raw(DXL_CLEAR_MULTI_TURN).build();
    case 'controlTableBackup':
      return p.u8(DXL_BACKUP_OPERATIONS[instruction.operation]).raw(DXL_BACKUP_KEY).build();
    case 'syncRead':
    case 'fastSyncRead':
      checkU16('address', instruction.address);
      checkU16('length', instruction.length, 1);
      checkIds(instruction.ids, instruction.instruction);
      p.u16(instruction.address).u16(instruction.length);
      for (const id of instruction.ids) p.u8(id);
      return p.build();
    case 'syncWrite':
      checkU16('address', instruction.address);
      checkU16('length', instruction.length, 1);
      checkIds(
        instruction.writes.map((w) => w.id),
        'syncWrite',
      );
      p.u16(instruction.address).u16(instruction.length);
      for (const write of instruction.writes) {
        // §Sync Write: every device gets the same address and the same number of bytes.
        if (write.data.length !== instruction.length) {
          throw new DriverCodecError(
            'DXL_VALUE_OUT_OF_RANGE',
            `syncWrite to ID ${write.id}: ${write.data.length} bytes, length is ${instruction.length}`,
          );
        }
        p.u8(write.id).raw(write.data);
      }
      return p.build();
    case 'bulkRead':
      checkIds(
        instruction.reads.map((r) => r.id),
        'bulkRead',
      );
      for (const read of instruction.reads) {
        checkU16('address', read.address);
        checkU16('length', read.length, 1);
        p.u8(read.id).u16(read.address).u16(read.length);
      }
      return p.build();
    case 'bulkWrite':
      checkIds(
        instruction.writes.map((w) => w.id),
        'bulkWrite',
      );
      for (const write of instruction.writes) {
        checkU16('address', write.address);
        checkU16('length', write.data.length, 1);
        p.u8(write.id).u16(write.address).u16(write.data.length).raw(write.data);
      }
      return p.build();
  }
}

/** The bytes of one instruction packet. Throws DriverCodecError (DXL_*) for what cannot be sent. */
export function encodeInstruction(instruction: DynamixelInstruction): Buffer {
  const spec = DXL_INSTRUCTIONS[instruction.instruction];
  const id = targetId(instruction);
  checkId(id, !spec.noBroadcast);
  return encodePacket(id, spec.code, paramsOf(instruction));
}

/** The status packets an instruction draws, in the order they come, with the data bytes each carries. */
export type ExpectedStatus =
  /** One status packet per entry, from that ID. */
  | { kind: 'each'; replies: readonly { id: number; dataBytes: number }[] }
  /** One packet from ID 254 holding every ID's block (§Fast Sync Read). */
  | { kind: 'fastSyncRead'; ids: readonly number[]; dataBytes: number }
  /** Every device on the bus answers, in an order the host cannot know in advance (a broadcast Ping). */
  | { kind: 'everyDevice'; dataBytes: number }
  | { kind: 'none' };

/**
 * Which status packets `instruction` draws at Status Return Level `statusReturnLevel` (68: 0 = Ping only,
 * 1 = Ping and Read, 2 = all; default 2). A broadcast (other than Ping and the read instructions built for
 * it) draws none (§Packet ID NOTE).
 */
export function expectedStatus(
  instruction: DynamixelInstruction,
  statusReturnLevel: 0 | 1 | 2 = 2,
): ExpectedStatus {
  const reads = statusReturnLevel >= 1;
  switch (instruction.instruction) {
    case 'ping':
      // §Ping: answered whatever the Status Return Level; 3 bytes (model number, firmware version).
      return instruction.id === DXL_BROADCAST_ID
        ? { kind: 'everyDevice', dataBytes: 3 }
        : { kind: 'each', replies: [{ id: instruction.id, dataBytes: 3 }] };
    case 'read':
      return reads
        ? { kind: 'each', replies: [{ id: instruction.id, dataBytes: instruction.length }] }
        : { kind: 'none' };
    case 'syncRead':
      return reads
        ? { kind: 'each', replies: instruction.ids.map((id) => ({ id, dataBytes: instruction.length })) }
        : { kind: 'none' };
    case 'bulkRead':
      return reads
        ? { kind: 'each', replies: instruction.reads.map((r) => ({ id: r.id, dataBytes: r.length })) }
        : { kind: 'none' };
    case 'fastSyncRead':
      return reads
        ? { kind: 'fastSyncRead', ids: instruction.ids, dataBytes: instruction.length }
        : { kind: 'none' };
    case 'syncWrite':
    case 'bulkWrite':
      return { kind: 'none' };
    default: {
      // Write, Reg Write, Action, Factory Reset, Reboot, Clear, Backup: an empty status (§Instruction
      // Details examples), unless broadcast or silenced by the Status Return Level.
      const id = instruction.id;
      if (id === DXL_BROADCAST_ID || statusReturnLevel < 2) return { kind: 'none' };
      return { kind: 'each', replies: [{ id, dataBytes: 0 }] };
    }
  }
}
