// The Maestro codec beyond the printed vectors: what it refuses (by code), the guide's other examples,
// properties of every packet it builds, and the reply reader under any chunking and any input.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecTestSeed } from '../test-support/seed.js';
import {
  decodeMaestroErrors,
  encodeMaestroCommand,
  MAESTRO_ACCELERATION_UNIT_US_PER_S2,
  MAESTRO_COMMANDS,
  MAESTRO_SPEED_UNIT_US_PER_S,
  type MaestroChannelCount,
  type MaestroCommand,
  type MaestroFraming,
  type MaestroQuery,
  MaestroReplyReader,
  maestroCrc7,
} from './index.js';

const seed = codecTestSeed();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('encodeMaestroCommand refuses what a Maestro cannot be sent', () => {
  const compact: MaestroFraming = { protocol: 'compact' };
  it.each([
    [
      'a channel beyond 23',
      { command: 'setTarget', channel: 24, targetQuarterUs: 6000 },
      compact,
      'MAESTRO_BAD_CHANNEL',
    ],
    [
      'channel 6 of a Micro Maestro',
      { command: 'getPosition', channel: 6 },
      { protocol: 'compact', channels: 6 },
      'MAESTRO_BAD_CHANNEL',
    ],
    [
      'a negative channel',
      { command: 'setSpeed', channel: -1, speedQuarterUsPer10Ms: 1 },
      compact,
      'MAESTRO_BAD_CHANNEL',
    ],
    [
      'a 15-bit target',
      { command: 'setTarget', channel: 0, targetQuarterUs: 16384 },
      compact,
      'MAESTRO_VALUE_OUT_OF_RANGE',
    ],
    [
      'a fractional target',
      { command: 'setTarget', channel: 0, targetQuarterUs: 6000.5 },
      compact,
      'MAESTRO_VALUE_OUT_OF_RANGE',
    ],
    [
      'a negative speed',
      { command: 'setSpeed', channel: 0, speedQuarterUsPer10Ms: -1 },
      compact,
      'MAESTRO_VALUE_OUT_OF_RANGE',
    ],
    [
      'an acceleration of 256',
      { command: 'setAcceleration', channel: 0, accelerationQuarterUsPer10MsPer80Ms: 256 },
      compact,
      'MAESTRO_VALUE_OUT_OF_RANGE',
    ],
    [
      'device number 128',
      { command: 'goHome' },
      { protocol: 'pololu', deviceNumber: 128 },
      'MAESTRO_BAD_DEVICE_NUMBER',
    ],
    [
      'a 7-channel Maestro',
      { command: 'goHome' },
      { protocol: 'compact', channels: 7 as MaestroChannelCount },
      'MAESTRO_BAD_CHANNEL',
    ],
    [
      'Set Multiple Targets to a Micro',
      { command: 'setMultipleTargets', firstChannel: 0, targetsQuarterUs: [6000] },
      { protocol: 'compact', channels: 6 },
      'MAESTRO_NOT_ON_THIS_MODEL',
    ],
    [
      'a block past the last channel',
      { command: 'setMultipleTargets', firstChannel: 10, targetsQuarterUs: [1, 2, 3] },
      { protocol: 'compact', channels: 12 },
      'MAESTRO_BAD_CHANNEL',
    ],
    [
      'an empty block',
      { command: 'setMultipleTargets', firstChannel: 0, targetsQuarterUs: [] },
      compact,
      'MAESTRO_VALUE_OUT_OF_RANGE',
    ],
  ] as [string, MaestroCommand, MaestroFraming, string][])('%s: %s', (_what, command, framing, code) => {
    expect(refusal(() => encodeMaestroCommand(command, framing))).toBe(code);
  });

  it('accepts the edges: target 0 (pulses off), 16383, acceleration 255, channel 23 and device 0 and 127', () => {
    expect(
      hex(encodeMaestroCommand({ command: 'setTarget', channel: 23, targetQuarterUs: 0 }, compact)),
    ).toBe('84170000');
    expect(
      hex(encodeMaestroCommand({ command: 'setTarget', channel: 0, targetQuarterUs: 16383 }, compact)),
    ).toBe('84007f7f');
    expect(
      hex(
        encodeMaestroCommand(
          { command: 'setAcceleration', channel: 1, accelerationQuarterUsPer10MsPer80Ms: 255 },
          compact,
        ),
      ),
    ).toBe('89017f01');
    expect(hex(encodeMaestroCommand({ command: 'goHome' }, { protocol: 'pololu', deviceNumber: 0 }))).toBe(
      'aa0022',
    );
    expect(hex(encodeMaestroCommand({ command: 'goHome' }, { protocol: 'pololu', deviceNumber: 127 }))).toBe(
      'aa7f22',
    );
  });
});

describe("the guide's other examples (§5.e)", () => {
  it('Set Multiple Targets: channel 3 to 0 and channel 4 to 6000 is 9F 02 03 00 00 70 2E', () => {
    const packet = encodeMaestroCommand(
      { command: 'setMultipleTargets', firstChannel: 3, targetsQuarterUs: [0, 6000] },
      { protocol: 'compact', channels: 12 },
    );
    expect(hex(packet)).toBe('9f0203' + '0000' + '702e');
  });

  it('Pololu protocol Set Target for device 12 is AA 0C 04 00 70 2E (§5.c)', () => {
    expect(
      hex(
        encodeMaestroCommand(
          { command: 'setTarget', channel: 0, targetQuarterUs: 6000 },
          { protocol: 'pololu' },
        ),
      ),
    ).toBe('aa0c0400702e');
  });

  it('the units: speed 140 is 3.5 µs/ms; acceleration 4 is 1250 µs/s² (§4.b, §5.e)', () => {
    expect((140 * MAESTRO_SPEED_UNIT_US_PER_S) / 1000).toBe(3.5);
    expect(4 * MAESTRO_ACCELERATION_UNIT_US_PER_S2).toBe(1250);
  });
});

const channelCountArb = fc.constantFrom<MaestroChannelCount>(12, 18, 24);
const framingArb = fc.record({
  protocol: fc.constantFrom<'compact' | 'pololu'>('compact', 'pololu'),
  deviceNumber: fc.integer({ min: 0, max: 127 }),
  crc: fc.boolean(),
  channels: channelCountArb,
});
function commandArb(channels: number): fc.Arbitrary<MaestroCommand> {
  const channel = fc.integer({ min: 0, max: channels - 1 });
  const value14 = fc.integer({ min: 0, max: 0x3fff });
  return fc.oneof(
    fc.record({ command: fc.constant('setTarget' as const), channel, targetQuarterUs: value14 }),
    fc.record({ command: fc.constant('setSpeed' as const), channel, speedQuarterUsPer10Ms: value14 }),
    fc.record({
      command: fc.constant('setAcceleration' as const),
      channel,
      accelerationQuarterUsPer10MsPer80Ms: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({ command: fc.constant('getPosition' as const), channel }),
    fc.constant({ command: 'getMovingState' as const }),
    fc.constant({ command: 'getErrors' as const }),
    fc.constant({ command: 'goHome' as const }),
    channel.chain((first) =>
      fc.record({
        command: fc.constant('setMultipleTargets' as const),
        firstChannel: fc.constant(first),
        targetsQuarterUs: fc.array(value14, { minLength: 1, maxLength: channels - first }),
      }),
    ),
  );
}

/** The 14-bit values a packet carries, read back from its data bytes (the guide's layout). */
function valuesOf(command: MaestroCommand): number[] {
  switch (command.command) {
    case 'setTarget':
      return [command.channel, command.targetQuarterUs];
    case 'setSpeed':
      return [command.channel, command.speedQuarterUsPer10Ms];
    case 'setAcceleration':
      return [command.channel, command.accelerationQuarterUsPer10MsPer80Ms];
    case 'getPosition':
      return [command.channel];
    case 'setMultipleTargets':
      return [command.targetsQuarterUs.length, command.firstChannel, ...command.targetsQuarterUs];
    default:
      return [];
  }
}

describe('every packet built', () => {
  it('is framed as §5.c says, carries its values as §5.e says, and ends in the right CRC-7', () => {
    fc.assert(
      fc.property(
        framingArb.chain((framing) => fc.tuple(fc.constant(framing), commandArb(framing.channels))),
        ([framing, command]) => {
          const packet = encodeMaestroCommand(command, framing);
          const body = framing.crc ? packet.subarray(0, -1) : packet;
          if (framing.crc) expect(packet.at(-1)).toBe(maestroCrc7(body));
          const compactByte = MAESTRO_COMMANDS[command.command].compactByte;
          let data: Uint8Array;
          if (framing.protocol === 'pololu') {
            expect([...body.subarray(0, 3)]).toEqual([0xaa, framing.deviceNumber, compactByte & 0x7f]);
            data = body.subarray(3);
          } else {
            expect(body[0]).toBe(compactByte);
            data = body.subarray(1);
          }
          // Only the command byte has its MSB set.
          for (const b of data) expect(b & 0x80).toBe(0);
          const expected = valuesOf(command);
          const singleByteFields =
            command.command === 'setMultipleTargets' ? 2 : Math.min(1, expected.length);
          const read: number[] = [...data.subarray(0, singleByteFields)];
          for (let i = singleByteFields; i < data.length; i += 2) read.push(data[i]! | (data[i + 1]! << 7));
          expect(read).toEqual(expected);
        },
      ),
      { seed, numRuns: 3000 },
    );
  });
});

describe('MaestroReplyReader', () => {
  const position: MaestroQuery = { command: 'getPosition', channel: 3 };
  const moving: MaestroQuery = { command: 'getMovingState' };
  const errors: MaestroQuery = { command: 'getErrors' };

  it('decodes each answer in the order asked, however it is chunked', () => {
    const reader = new MaestroReplyReader();
    for (const query of [position, moving, errors]) reader.expect(query);
    const items = [0x70, 0x17, 0x01, 0x10, 0x01].flatMap((b) => reader.decode(Uint8Array.of(b)));
    expect(items).toEqual([
      { kind: 'reply', command: 'getPosition', channel: 3, positionQuarterUs: 6000 },
      { kind: 'reply', command: 'getMovingState', moving: true },
      {
        kind: 'reply',
        command: 'getErrors',
        register: 0x0110,
        errors: ['SERIAL_PROTOCOL', 'SCRIPT_PROGRAM_COUNTER'],
        unknownBits: [],
      },
    ]);
    expect(reader.pending).toBe(0);
  });

  it('a moving state other than 0 or 1 is MAESTRO_BAD_REPLY; bytes nobody asked for are MAESTRO_UNEXPECTED_BYTES', () => {
    const reader = new MaestroReplyReader();
    reader.expect(moving);
    expect(reader.decode(Uint8Array.of(2, 9, 9)).map((i) => (i.kind === 'error' ? i.code : i.kind))).toEqual([
      'MAESTRO_BAD_REPLY',
      'MAESTRO_UNEXPECTED_BYTES',
    ]);
  });

  it('abandon() drops a half answer and what was still expected', () => {
    const reader = new MaestroReplyReader();
    reader.expect(position);
    reader.expect(errors);
    expect(reader.decode(Uint8Array.of(0x70))).toEqual([]);
    reader.abandon();
    expect(reader.pending).toBe(0);
    expect(reader.decode(Uint8Array.of(0x17))[0]).toMatchObject({
      kind: 'error',
      code: 'MAESTRO_UNEXPECTED_BYTES',
    });
  });

  it('error bits the guide does not name are kept as unknownBits', () => {
    expect(decodeMaestroErrors(0x8201)).toEqual({
      register: 0x8201,
      errors: ['SERIAL_SIGNAL'],
      unknownBits: [9, 15],
    });
  });

  it('random queries and random bytes, cut anywhere: never a throw, every byte accounted for', () => {
    const queryArb = fc.constantFrom<MaestroQuery>(position, moving, errors);
    fc.assert(
      fc.property(
        fc.array(queryArb, { maxLength: 6 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat({ max: 20 }), { maxLength: 5 }),
        (queries, input, cuts) => {
          const reader = new MaestroReplyReader();
          for (const query of queries) reader.expect(query);
          const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const items = [];
          let start = 0;
          for (const p of [...points, input.length]) {
            items.push(...reader.decode(input.subarray(start, p)));
            start = p;
          }
          const answered = items.filter((i) => i.kind === 'reply' || i.code === 'MAESTRO_BAD_REPLY').length;
          const expectedBytes = queries
            .slice(0, answered)
            .reduce((n, q) => n + MAESTRO_COMMANDS[q.command].replyBytes, 0);
          const unexpected = items.reduce(
            (n, i) => n + (i.kind === 'error' && i.code === 'MAESTRO_UNEXPECTED_BYTES' ? i.bytes.length : 0),
            0,
          );
          expect(queries.length - answered).toBe(reader.pending);
          // What is neither an answer nor unexpected is the start of the next answer, held back.
          const heldBack = input.length - expectedBytes - unexpected;
          const next = queries[answered];
          expect(heldBack).toBeGreaterThanOrEqual(0);
          expect(heldBack).toBeLessThan(next ? MAESTRO_COMMANDS[next.command].replyBytes : 1);
        },
      ),
      { seed, numRuns: 10_000 },
    );
  });
});
