// The Dynamixel codec beyond the printed vectors: byte stuffing, the incremental parser under any
// chunking and any garbage (10^4 random buffers), refusals by code, status and Fast Sync Read decoding,
// and control-table values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecTestSeed } from '../test-support/seed.js';
import {
  DXL_STATUS_ERRORS,
  DynamixelPacketParser,
  type DynamixelParserItem,
  decodeItem,
  decodeMovingStatus,
  decodeStatusError,
  dynamixelCrc16,
  encodeFastSyncReadStatus,
  encodeInstruction,
  encodeItem,
  encodePacket,
  encodeStatusPacket,
  expectedStatus,
  hardwareErrorNames,
  stuff,
  X_SERIES_CONTROL_TABLE as T,
  toFastSyncReadStatus,
  toStatus,
  unstuff,
} from './index.js';

const seed = codecTestSeed();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};
/** Every byte pushed is in a packet, an error, or still buffered. */
function accounted(items: readonly DynamixelParserItem[], parser: DynamixelPacketParser): number {
  return (
    items.reduce((n, item) => n + (item.kind === 'packet' ? item.packet.wire.length : item.bytes), 0) +
    parser.bufferedBytes
  );
}
function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  return out;
}

// Bytes biased toward the header and stuffing patterns, so the interesting cases are common.
const biasedByte = fc.oneof(fc.constantFrom(0xff, 0xfd, 0x00), fc.integer({ min: 0, max: 255 }));
const biasedBytes = (maxLength: number) => fc.array(biasedByte, { maxLength }).map((a) => Uint8Array.from(a));

describe('byte stuffing (Protocol 2.0 §Packet Process)', () => {
  it('adds one 0xFD after FF FF FD, and only there', () => {
    expect(hex(stuff(Uint8Array.of(0x03, 0xff, 0xff, 0xfd, 0x01)))).toBe('03fffffdfd01');
    expect(hex(stuff(Uint8Array.of(0xff, 0xff, 0xfd, 0xff, 0xff, 0xfd)))).toBe('fffffdfdfffffdfd');
    expect(hex(stuff(Uint8Array.of(0xff, 0xfd, 0xff, 0xff)))).toBe('fffdffff');
  });

  it('unstuff(stuff(x)) is x, and a stuffed field has no bare FF FF FD', () => {
    fc.assert(
      fc.property(biasedBytes(64), (payload) => {
        const stuffed = stuff(payload);
        expect([...unstuff(stuffed)]).toEqual([...payload]);
        for (let i = 0; i + 2 < stuffed.length; i++) {
          if (stuffed[i] === 0xff && stuffed[i + 1] === 0xff && stuffed[i + 2] === 0xfd) {
            expect(stuffed[i + 3]).toBe(0xfd);
            i += 3;
          }
        }
      }),
      { seed, numRuns: 5000 },
    );
  });

  it('a Write whose data holds FF FF FD is sent stuffed, with the stuffed length, and parses back', () => {
    const data = Uint8Array.of(0xff, 0xff, 0xfd, 0x00);
    const packet = encodeInstruction({ instruction: 'write', id: 1, address: T.goalPosition.address, data });
    // instruction, address (2), 4 data bytes + 1 stuffing byte, CRC (2)
    expect(packet.readUInt16LE(5)).toBe(1 + 2 + 5 + 2);
    expect(hex(packet.subarray(7, -2))).toBe('037400fffffdfd00');
    const [item] = new DynamixelPacketParser().decode(packet);
    expect(item?.kind === 'packet' && hex(item.packet.params)).toBe('7400fffffd00');
  });
});

const packetArb = fc
  .record({
    id: fc.integer({ min: 0, max: 254 }).filter((id) => id !== 253),
    instruction: fc.integer({ min: 0, max: 255 }),
    params: biasedBytes(40),
  })
  .map((p) => ({ ...p, wire: encodePacket(p.id, p.instruction, p.params) }));

describe('DynamixelPacketParser', () => {
  it('finds every packet, in order, between any garbage and under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(biasedBytes(12), packetArb), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const stream = Buffer.concat(parts.flatMap(([garbage, packet]) => [garbage, packet.wire]));
          const parser = new DynamixelPacketParser();
          const items = chunks(stream, cuts).flatMap((chunk) => parser.decode(chunk));
          expect(accounted(items, parser)).toBe(stream.length);
          const packets = items.flatMap((item) => (item.kind === 'packet' ? [item.packet] : []));
          // Garbage can forge a packet only by containing a valid CRC; what matters is that every real
          // packet comes out, whole and in order.
          const real = parts.map(([, p]) => hex(p.wire));
          const found = packets.map((p) => hex(p.wire));
          let at = 0;
          for (const wire of found) if (wire === real[at]) at++;
          expect(at).toBe(real.length);
          for (const [, p] of parts) {
            const match = packets.find((q) => hex(q.wire) === hex(p.wire))!;
            expect({ id: match.id, instruction: match.instruction, params: hex(match.params) }).toEqual({
              id: p.id,
              instruction: p.instruction,
              params: hex(p.params),
            });
          }
          for (const item of items) if (item.kind === 'error') expect(item.bytes).toBeGreaterThan(0);
        },
      ),
      { seed, numRuns: 3000 },
    );
  });

  it('10^4 random buffers: never a throw, only typed items, every byte accounted for', () => {
    const codes = new Set(['DXL_NOISE', 'DXL_BAD_LENGTH', 'DXL_CRC_MISMATCH']);
    fc.assert(
      fc.property(fc.array(biasedBytes(80), { minLength: 1, maxLength: 4 }), (buffers) => {
        const parser = new DynamixelPacketParser({ maxPacketBytes: 64 });
        const items = buffers.flatMap((b) => parser.decode(b));
        for (const item of items) {
          expect(['packet', 'error']).toContain(item.kind);
          if (item.kind === 'error') expect(codes.has(item.code)).toBe(true);
        }
        expect(accounted(items, parser)).toBe(buffers.reduce((n, b) => n + b.length, 0));
        // What it holds back is bounded by the longest packet it accepts.
        expect(parser.bufferedBytes).toBeLessThan(64);
      }),
      { seed, numRuns: 10_000 },
    );
  });

  const ping = encodeInstruction({ instruction: 'ping', id: 1 });
  const read = encodeStatusPacket(1, 0, Uint8Array.of(0xa6, 0, 0, 0));

  it('a corrupted packet is DXL_CRC_MISMATCH, and the packet after it is still found', () => {
    const bad = Buffer.from(read);
    bad[9] = bad[9]! ^ 0x01;
    const items = new DynamixelPacketParser().decode(Buffer.concat([bad, ping]));
    expect(items[0]).toMatchObject({ kind: 'error', code: 'DXL_CRC_MISMATCH', id: 1, bytes: 4 });
    expect(items.at(-1)).toMatchObject({ kind: 'packet', packet: { id: 1, instruction: 0x01 } });
  });

  it('a packet cut short is recovered from: the next packet inside its announced length is found', () => {
    const items = new DynamixelPacketParser().decode(Buffer.concat([read.subarray(0, 10), ping, ping]));
    const packets = items.filter((i) => i.kind === 'packet');
    expect(packets.length).toBeGreaterThanOrEqual(1);
    expect(items.some((i) => i.kind === 'error' && i.code === 'DXL_CRC_MISMATCH')).toBe(true);
  });

  it('a length below 3 or above the maximum is DXL_BAD_LENGTH, and the header is skipped', () => {
    const tooShort = Uint8Array.of(0xff, 0xff, 0xfd, 0x00, 0x01, 0x02, 0x00);
    expect(new DynamixelPacketParser().decode(Buffer.concat([tooShort, ping]))).toMatchObject([
      { kind: 'error', code: 'DXL_BAD_LENGTH', bytes: 4 },
      { kind: 'error', code: 'DXL_NOISE', bytes: 3 },
      { kind: 'packet' },
    ]);
    const long = encodeStatusPacket(1, 0, new Uint8Array(100));
    expect(new DynamixelPacketParser({ maxPacketBytes: 64 }).decode(long)[0]).toMatchObject({
      kind: 'error',
      code: 'DXL_BAD_LENGTH',
    });
  });

  it('the stuffed FF FF FD FD is not a header; reset() drops a packet in progress', () => {
    const parser = new DynamixelPacketParser();
    expect(parser.decode(Uint8Array.of(0xff, 0xff, 0xfd, 0xfd, 0xff, 0xff))).toEqual([
      { kind: 'error', code: 'DXL_NOISE', bytes: 4, detail: expect.any(String) },
    ]);
    expect(parser.bufferedBytes).toBe(2);
    parser.decode(ping.subarray(2, 8));
    parser.reset();
    expect(parser.bufferedBytes).toBe(0);
    expect(parser.decode(ping)).toMatchObject([{ kind: 'packet' }]);
  });
});

describe('encodeInstruction refuses what cannot be sent', () => {
  it.each([
    [
      'a Read to the broadcast ID (it would never be answered)',
      { instruction: 'read', id: 254, address: 0, length: 2 },
      'DXL_BAD_ID',
    ],
    ['ID 253', { instruction: 'ping', id: 253 }, 'DXL_BAD_ID'],
    ['ID 255', { instruction: 'reboot', id: 255 }, 'DXL_BAD_ID'],
    [
      'a broadcast ID in a Sync Read list',
      { instruction: 'syncRead', address: 132, length: 4, ids: [1, 254] },
      'DXL_BAD_ID',
    ],
    [
      'an ID twice in a Bulk Read',
      {
        instruction: 'bulkRead',
        reads: [
          { id: 1, address: 132, length: 4 },
          { id: 1, address: 128, length: 4 },
        ],
      },
      'DXL_BAD_ID',
    ],
    ['an empty Sync Read', { instruction: 'syncRead', address: 132, length: 4, ids: [] }, 'DXL_BAD_ID'],
    [
      'a reset-all Factory Reset to the broadcast ID',
      { instruction: 'factoryReset', id: 254, keep: 'all' },
      'DXL_BAD_ID',
    ],
    ['address 65536', { instruction: 'read', id: 1, address: 65536, length: 1 }, 'DXL_VALUE_OUT_OF_RANGE'],
    ['a zero-length Read', { instruction: 'read', id: 1, address: 132, length: 0 }, 'DXL_VALUE_OUT_OF_RANGE'],
    [
      'an empty Write',
      { instruction: 'write', id: 1, address: 116, data: new Uint8Array(0) },
      'DXL_VALUE_OUT_OF_RANGE',
    ],
    [
      'a Sync Write entry of the wrong length',
      { instruction: 'syncWrite', address: 116, length: 4, writes: [{ id: 1, data: new Uint8Array(2) }] },
      'DXL_VALUE_OUT_OF_RANGE',
    ],
    [
      'a packet over 1024 bytes',
      { instruction: 'write', id: 1, address: 0, data: new Uint8Array(1020) },
      'DXL_PACKET_TOO_LONG',
    ],
  ] as const)('%s', (_what, instruction, expected) => {
    expect(code(() => encodeInstruction(instruction as never))).toBe(expected);
  });
});

describe('expectedStatus', () => {
  it('says which status packets each instruction draws (Protocol 2.0 §Instruction Details)', () => {
    expect(expectedStatus({ instruction: 'ping', id: 254 })).toEqual({ kind: 'everyDevice', dataBytes: 3 });
    expect(expectedStatus({ instruction: 'syncRead', address: 132, length: 4, ids: [2, 1] })).toEqual({
      kind: 'each',
      replies: [
        { id: 2, dataBytes: 4 },
        { id: 1, dataBytes: 4 },
      ],
    });
    expect(
      expectedStatus({ instruction: 'write', id: 254, address: 116, data: Uint8Array.of(0, 0, 0, 0) }),
    ).toEqual({
      kind: 'none',
    });
    expect(expectedStatus({ instruction: 'write', id: 3, address: 64, data: Uint8Array.of(1) })).toEqual({
      kind: 'each',
      replies: [{ id: 3, dataBytes: 0 }],
    });
    // Status Return Level 1: only Ping and the reads answer; 0: only Ping.
    expect(expectedStatus({ instruction: 'write', id: 3, address: 64, data: Uint8Array.of(1) }, 1)).toEqual({
      kind: 'none',
    });
    expect(expectedStatus({ instruction: 'read', id: 3, address: 132, length: 4 }, 0)).toEqual({
      kind: 'none',
    });
    expect(expectedStatus({ instruction: 'ping', id: 3 }, 0)).toMatchObject({ kind: 'each' });
  });
});

describe('status packets', () => {
  it('the error byte: bit 7 is the alert, bits 6..0 the error number, by name', () => {
    expect(decodeStatusError(0x80)).toEqual({ byte: 0x80, alert: true, errorNumber: 0, error: undefined });
    for (const [name, number] of Object.entries(DXL_STATUS_ERRORS)) {
      expect(decodeStatusError(number | 0x80)).toMatchObject({
        alert: true,
        errorNumber: number,
        error: name,
      });
    }
    expect(decodeStatusError(0x09).error).toBeUndefined();
  });

  const parse = (wire: Uint8Array) => {
    const [item] = new DynamixelPacketParser().decode(wire);
    if (item?.kind !== 'packet') throw new Error('no packet');
    return item.packet;
  };

  it('toStatus checks what it is asked to', () => {
    expect(toStatus(parse(encodeInstruction({ instruction: 'ping', id: 1 })))).toMatchObject({
      code: 'DXL_NOT_A_STATUS',
    });
    const status = parse(encodeStatusPacket(2, 0, Uint8Array.of(1, 2)));
    expect(toStatus(status, { id: 1 })).toMatchObject({ kind: 'error', code: 'DXL_BAD_STATUS' });
    expect(toStatus(status, { dataBytes: 4 })).toMatchObject({ kind: 'error', code: 'DXL_BAD_STATUS' });
    // A refused Read answers with its error byte alone.
    const refused = parse(encodeStatusPacket(2, DXL_STATUS_ERRORS.ACCESS_ERROR, new Uint8Array(0)));
    expect(toStatus(refused, { id: 2, dataBytes: 4 })).toMatchObject({
      kind: 'status',
      status: { error: { error: 'ACCESS_ERROR', alert: false } },
    });
  });

  it('Fast Sync Read: round trips with any data, stuffing included', () => {
    let unsettled = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 252 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.infiniteStream(biasedByte),
        (ids, dataBytes, stream) => {
          const it = stream[Symbol.iterator]();
          const blocks = ids.map((id) => ({
            id,
            errorByte: it.next().value & 0x87,
            data: Uint8Array.from({ length: dataBytes }, () => it.next().value),
          }));
          let wire: Buffer;
          try {
            wire = encodeFastSyncReadStatus(blocks);
          } catch (error) {
            // Data whose inner CRCs change the stuffing that changes the length they cover has no
            // encoding at all; the builder says so rather than send something inconsistent.
            expect((error as { code?: string }).code).toBe('DXL_VALUE_OUT_OF_RANGE');
            unsettled++;
            return;
          }
          const [item] = new DynamixelPacketParser().decode(wire);
          if (item?.kind !== 'packet') return expect.unreachable(JSON.stringify(item));
          const result = toFastSyncReadStatus(item.packet, ids, dataBytes);
          if (result.kind !== 'fastSyncRead') return expect.unreachable(JSON.stringify(result));
          expect(result.entries.map((e) => [e.id, e.error.byte, hex(e.data)])).toEqual(
            blocks.map((b) => [b.id, b.errorByte, hex(b.data)]),
          );
        },
      ),
      { seed, numRuns: 2000 },
    );
    expect(unsettled).toBeLessThan(20);
  });

  it('Fast Sync Read: a wrong inner CRC is DXL_CRC_MISMATCH; other IDs or lengths are DXL_BAD_STATUS', () => {
    const wire = encodeFastSyncReadStatus([
      { id: 3, errorByte: 0, data: Uint8Array.of(1, 2) },
      { id: 4, errorByte: 0, data: Uint8Array.of(3, 4) },
    ]);
    const tampered = Buffer.from(wire);
    tampered[12] = tampered[12]! ^ 0xff; // the first block's inner CRC, low byte
    tampered.writeUInt16LE(dynamixelCrc16(tampered, 0, tampered.length - 2), tampered.length - 2);
    expect(toFastSyncReadStatus(parse(tampered), [3, 4], 2)).toMatchObject({
      kind: 'error',
      code: 'DXL_CRC_MISMATCH',
      id: 3,
    });
    expect(toFastSyncReadStatus(parse(wire), [4, 3], 2)).toMatchObject({
      kind: 'error',
      code: 'DXL_BAD_STATUS',
    });
    expect(toFastSyncReadStatus(parse(wire), [3, 4], 4)).toMatchObject({
      kind: 'error',
      code: 'DXL_BAD_STATUS',
    });
    expect(toFastSyncReadStatus(parse(encodeStatusPacket(1, 0)), [1], 0)).toMatchObject({
      code: 'DXL_BAD_STATUS',
    });
  });
});

describe('X-series control table', () => {
  it('encodes and decodes values little-endian, signed where the item is', () => {
    expect(hex(encodeItem(T.goalPosition, 512))).toBe('00020000');
    expect(hex(encodeItem(T.goalPosition, -1))).toBe('ffffffff');
    expect(decodeItem(T.presentVelocity, Uint8Array.of(0xfe, 0xff, 0xff, 0xff))).toBe(-2);
    // Bus Watchdog reads -1 once it has tripped.
    expect(decodeItem(T.busWatchdog, Uint8Array.of(0xff))).toBe(-1);
    expect(decodeItem(T.hardwareErrorStatus, Uint8Array.of(0xff))).toBe(255);
    expect(code(() => encodeItem(T.torqueEnable, 256))).toBe('DXL_VALUE_OUT_OF_RANGE');
    expect(code(() => encodeItem(T.profileVelocity, -1))).toBe('DXL_VALUE_OUT_OF_RANGE');
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(T)), fc.integer(), (item, raw) => {
        const bits = item.size * 8;
        const span = 2 ** bits;
        let value = ((raw % span) + span) % span;
        if (item.signed && value >= span / 2) value -= span;
        expect(decodeItem(item, encodeItem(item, value))).toBe(value);
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('the items the driver needs sit where the e-Manual puts them', () => {
    expect(
      Object.fromEntries(
        (
          [
            'modelNumber',
            'operatingMode',
            'torqueEnable',
            'hardwareErrorStatus',
            'busWatchdog',
            'profileAcceleration',
            'profileVelocity',
            'goalPosition',
            'moving',
            'movingStatus',
            'presentVelocity',
            'presentPosition',
          ] as const
        ).map((name) => [name, [T[name].address, T[name].size]]),
      ),
    ).toEqual({
      modelNumber: [0, 2],
      operatingMode: [11, 1],
      torqueEnable: [64, 1],
      hardwareErrorStatus: [70, 1],
      busWatchdog: [98, 1],
      profileAcceleration: [108, 4],
      profileVelocity: [112, 4],
      goalPosition: [116, 4],
      moving: [122, 1],
      movingStatus: [123, 1],
      presentVelocity: [128, 4],
      presentPosition: [132, 4],
    });
    // The table does not overlap itself.
    const items = Object.values(T).sort((a, b) => a.address - b.address);
    for (let i = 1; i < items.length; i++) {
      expect(items[i]!.address).toBeGreaterThanOrEqual(items[i - 1]!.address + items[i - 1]!.size);
    }
  });

  it('Hardware Error Status and Moving Status bits by name', () => {
    // Shutdown's default 52 (0x34): overheating, electrical shock, overload.
    expect(hardwareErrorNames(52)).toEqual(['OVERHEATING', 'ELECTRICAL_SHOCK', 'OVERLOAD']);
    expect(hardwareErrorNames(0x09)).toEqual(['INPUT_VOLTAGE', 'MOTOR_ENCODER']);
    expect(decodeMovingStatus(0x33)).toEqual({
      inPosition: true,
      profileOngoing: true,
      followingError: false,
      profile: 'trapezoidal',
    });
    expect(decodeMovingStatus(0x08).followingError).toBe(true);
  });
});
