// The makers' own packets (test-fixtures/hw-vectors.json, copied from the project's shared vectors):
// each one is built byte for byte from typed arguments, and parsed back to the same arguments.
// Sources are in the file: the ROBOTIS e-Manual's Protocol 2.0 examples and the Pololu Maestro guide.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type DynamixelInstruction,
  DynamixelPacketParser,
  decodeItem,
  dynamixelCrc16,
  encodeFastSyncReadStatus,
  encodeInstruction,
  encodeItem,
  encodeStatusPacket,
  X_SERIES_CONTROL_TABLE as T,
  toFastSyncReadStatus,
  toStatus,
} from './dynamixel/index.js';
import {
  encodeMaestroCommand,
  type MaestroCommand,
  type MaestroFraming,
  maestroCrc7,
} from './maestro/index.js';

interface HwVectors {
  dynamixel_protocol_2: {
    crc_check: { input_ascii: string; crc16: string };
    packets: Record<string, string>;
    erratum: { restore_inst: { printed_in_manual: string; correct_crc: string } };
  };
  pololu_maestro: {
    packets: Record<string, string>;
    crc7: { input: string; crc: string };
  };
}

const vectors: HwVectors = JSON.parse(
  readFileSync(new URL('../../test-fixtures/hw-vectors.json', import.meta.url), 'utf8'),
);
const bytes = (hex: string) => Buffer.from(hex.replace(/ /g, ''), 'hex');
const hexOf = (b: Uint8Array) =>
  Buffer.from(b)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?=.)/g, '$1 ');

// ---- Dynamixel ----

type DxlVector =
  | { instruction: DynamixelInstruction }
  | { status: { id: number; error: number; data: Uint8Array } }
  | { fastSyncStatus: { ids: number[]; dataBytes: number; values: number[] } };

const u32 = (value: number) => encodeItem(T.presentPosition, value);

/** What each printed packet says, in the e-Manual's own words (§Instruction Details, Conditions). */
const DXL: Record<string, DxlVector> = {
  ping_inst_id1: { instruction: { instruction: 'ping', id: 1 } },
  // XM430-W210: model number 1030 (0x0406), firmware 38 (0x26).
  ping_status_id1: { status: { id: 1, error: 0, data: Uint8Array.of(0x06, 0x04, 0x26) } },
  ping_inst_bcast: { instruction: { instruction: 'ping', id: 254 } },
  ping_status_id2: { status: { id: 2, error: 0, data: Uint8Array.of(0x06, 0x04, 0x26) } },
  read_inst: { instruction: { instruction: 'read', id: 1, address: T.presentPosition.address, length: 4 } },
  read_status: { status: { id: 1, error: 0, data: u32(166) } },
  write_inst: {
    instruction: {
      instruction: 'write',
      id: 1,
      address: T.goalPosition.address,
      data: encodeItem(T.goalPosition, 512),
    },
  },
  ok_status_id1: { status: { id: 1, error: 0, data: new Uint8Array(0) } },
  regwrite_inst: {
    instruction: {
      instruction: 'regWrite',
      id: 1,
      address: T.goalVelocity.address,
      data: encodeItem(T.goalVelocity, 200),
    },
  },
  action_inst: { instruction: { instruction: 'action', id: 1 } },
  factory_reset_inst: { instruction: { instruction: 'factoryReset', id: 1, keep: 'allButId' } },
  reboot_inst: { instruction: { instruction: 'reboot', id: 1 } },
  clear_inst: { instruction: { instruction: 'clear', id: 1 } },
  sync_read_inst: {
    instruction: { instruction: 'syncRead', address: T.presentPosition.address, length: 4, ids: [1, 2] },
  },
  sync_read_status_id2: { status: { id: 2, error: 0, data: u32(2079) } },
  sync_write_inst: {
    instruction: {
      instruction: 'syncWrite',
      address: T.goalPosition.address,
      length: 4,
      writes: [
        { id: 1, data: u32(150) },
        { id: 2, data: u32(170) },
      ],
    },
  },
  bulk_read_inst: {
    instruction: {
      instruction: 'bulkRead',
      reads: [
        { id: 1, address: T.presentInputVoltage.address, length: 2 },
        { id: 2, address: T.presentTemperature.address, length: 1 },
      ],
    },
  },
  bulk_read_status_id1: { status: { id: 1, error: 0, data: encodeItem(T.presentInputVoltage, 119) } },
  bulk_read_status_id2: { status: { id: 2, error: 0, data: encodeItem(T.presentTemperature, 36) } },
  bulk_write_inst: {
    instruction: {
      instruction: 'bulkWrite',
      writes: [
        { id: 1, address: T.maxVoltageLimit.address, data: encodeItem(T.maxVoltageLimit, 160) },
        { id: 2, address: T.temperatureLimit.address, data: encodeItem(T.temperatureLimit, 80) },
      ],
    },
  },
  backup_inst: { instruction: { instruction: 'controlTableBackup', id: 1, operation: 'store' } },
  fast_sync_read_inst: {
    instruction: {
      instruction: 'fastSyncRead',
      address: T.presentPosition.address,
      length: 4,
      ids: [3, 7, 4],
    },
  },
  fast_sync_read_status: { fastSyncStatus: { ids: [3, 7, 4], dataBytes: 4, values: [166, 2079, 1023] } },
};

function build(vector: DxlVector): Buffer {
  if ('instruction' in vector) return encodeInstruction(vector.instruction);
  if ('status' in vector)
    return encodeStatusPacket(vector.status.id, vector.status.error, vector.status.data);
  const { ids, values } = vector.fastSyncStatus;
  return encodeFastSyncReadStatus(ids.map((id, i) => ({ id, errorByte: 0, data: u32(values[i]!) })));
}

describe('Dynamixel Protocol 2.0 vectors (ROBOTIS e-Manual)', () => {
  const packets = Object.entries(vectors.dynamixel_protocol_2.packets);

  it('the CRC-16 check value', () => {
    const { input_ascii, crc16 } = vectors.dynamixel_protocol_2.crc_check;
    expect(dynamixelCrc16(Buffer.from(input_ascii, 'ascii')).toString(16).toUpperCase()).toBe(crc16);
  });

  it('every printed packet has a typed description here, and nothing else does', () => {
    expect(Object.keys(DXL).sort()).toEqual(packets.map(([name]) => name).sort());
  });

  describe.each(packets)('%s', (name, hex) => {
    const vector = DXL[name]!;

    it('is built byte for byte', () => {
      expect(hexOf(build(vector))).toBe(hex);
    });

    it('parses back, in any chunking, to the same fields', () => {
      const wire = bytes(hex);
      for (const cut of [0, 1, 4, 7, wire.length - 1]) {
        const parser = new DynamixelPacketParser();
        const items = [...parser.decode(wire.subarray(0, cut)), ...parser.decode(wire.subarray(cut))];
        expect(items).toHaveLength(1);
        const item = items[0]!;
        if (item.kind !== 'packet') return expect.unreachable(JSON.stringify(item));
        expect(hexOf(item.packet.wire)).toBe(hex);
        if ('instruction' in vector) {
          // Re-encoding the parsed packet's own fields gives the same bytes.
          expect(hexOf(encodeInstruction(vector.instruction))).toBe(hexOf(item.packet.wire));
        } else if ('status' in vector) {
          const status = toStatus(item.packet, {
            id: vector.status.id,
            dataBytes: vector.status.data.length,
          });
          expect(status).toMatchObject({
            kind: 'status',
            status: { id: vector.status.id, error: { byte: 0, alert: false, error: undefined } },
          });
          if (status.kind === 'status') expect([...status.status.data]).toEqual([...vector.status.data]);
        } else {
          const { ids, dataBytes, values } = vector.fastSyncStatus;
          const result = toFastSyncReadStatus(item.packet, ids, dataBytes);
          if (result.kind !== 'fastSyncRead') return expect.unreachable(JSON.stringify(result));
          expect(
            result.entries.map((e) => [e.id, e.error.byte, decodeItem(T.presentPosition, e.data)]),
          ).toEqual(ids.map((id, i) => [id, 0, values[i]]));
        }
      }
    });
  });

  it('the Read example decodes to Present Position 166 and the Sync Read one to 2079', () => {
    const [read] = new DynamixelPacketParser().decode(
      bytes(vectors.dynamixel_protocol_2.packets.read_status!),
    );
    const status = read?.kind === 'packet' ? toStatus(read.packet) : undefined;
    expect(status?.kind === 'status' && decodeItem(T.presentPosition, status.status.data)).toBe(166);
    const [sync] = new DynamixelPacketParser().decode(
      bytes(vectors.dynamixel_protocol_2.packets.sync_read_status_id2!),
    );
    const syncStatus = sync?.kind === 'packet' ? toStatus(sync.packet) : undefined;
    expect(syncStatus?.kind === 'status' && decodeItem(T.presentPosition, syncStatus.status.data)).toBe(2079);
  });

  describe('erratum: the Control Table restore packet', () => {
    const { printed_in_manual, correct_crc } = vectors.dynamixel_protocol_2.erratum.restore_inst;
    const built = encodeInstruction({ instruction: 'controlTableBackup', id: 1, operation: 'restore' });

    it('our CRC is the one the algorithm gives, not the one the manual prints', () => {
      expect(hexOf(built.subarray(built.length - 2))).toBe(correct_crc);
      expect(hexOf(built.subarray(built.length - 2))).not.toBe(printed_in_manual.slice(-5));
      // Everything before the CRC is as printed.
      expect(hexOf(built.subarray(0, built.length - 2))).toBe(printed_in_manual.slice(0, -6));
    });

    it('the printed packet is refused by the parser as a CRC mismatch, with every byte accounted for', () => {
      const items = new DynamixelPacketParser().decode(bytes(printed_in_manual));
      expect(items[0]).toMatchObject({ kind: 'error', code: 'DXL_CRC_MISMATCH', id: 1 });
      expect(items.every((item) => item.kind === 'error')).toBe(true);
      expect(items.reduce((n, item) => n + (item.kind === 'error' ? item.bytes : 0), 0)).toBe(
        bytes(printed_in_manual).length,
      );
    });
  });
});

// ---- Maestro ----

const MAESTRO: Record<string, { command: MaestroCommand; framing: MaestroFraming }> = {
  set_target_ch2_1500us_compact: {
    command: { command: 'setTarget', channel: 2, targetQuarterUs: 1500 * 4 },
    framing: { protocol: 'compact' },
  },
  set_target_ch0_1500us_compact: {
    command: { command: 'setTarget', channel: 0, targetQuarterUs: 1500 * 4 },
    framing: { protocol: 'compact' },
  },
  set_target_ch0_1500us_pololu_device12: {
    command: { command: 'setTarget', channel: 0, targetQuarterUs: 1500 * 4 },
    framing: { protocol: 'pololu', deviceNumber: 12 },
  },
  set_speed_ch5_140_compact: {
    command: { command: 'setSpeed', channel: 5, speedQuarterUsPer10Ms: 140 },
    framing: { protocol: 'compact' },
  },
  get_position_ch0_pololu_device1_with_crc: {
    command: { command: 'getPosition', channel: 0 },
    framing: { protocol: 'pololu', deviceNumber: 1, crc: true },
  },
};

describe('Pololu Maestro vectors (Maestro User’s Guide §5.c–5.e)', () => {
  const packets = Object.entries(vectors.pololu_maestro.packets);

  it('every printed packet has a typed description here, and nothing else does', () => {
    expect(Object.keys(MAESTRO).sort()).toEqual(packets.map(([name]) => name).sort());
  });

  it.each(packets)('%s is built byte for byte', (name, hex) => {
    const { command, framing } = MAESTRO[name]!;
    expect(hexOf(encodeMaestroCommand(command, framing))).toBe(hex);
  });

  it('the CRC-7 vector (polynomial 0x91, LSB first, over 0xAA and the device number)', () => {
    const { input, crc } = vectors.pololu_maestro.crc7;
    expect(maestroCrc7(bytes(input)).toString(16).toUpperCase()).toBe(crc);
  });
});
