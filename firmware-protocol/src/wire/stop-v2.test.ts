// §v2 Stop, proved by exhaustion: the device stops on three consecutive 0x96 and the host sends eight.
// No single bit error in a line byte forges a stop (not even next to a lone 0x96), no single bit
// error, dropped or duplicated byte in the eight copies hides or doubles it, and fewer than three 0x96
// in a row never stop.

import { describe, expect, it } from 'vitest';
import { CR, ESTOP_BYTE, LF, V2_STOP_BYTE, V2_STOP_RUN, V2_STOP_SEQUENCE } from './constants.js';
import { CommandDecoder } from './decoder.js';
import { encodeCommand } from './encode.js';
import type { DeviceBoundItem } from './frames.js';
import { isStopCopy } from './line-splitter.js';

/** Every byte a host can send in a line (§Framing): printable ASCII, CR and LF. */
const LINE_BYTES = [...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i), CR, LF];
const BITS = [0, 1, 2, 3, 4, 5, 6, 7];
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => i);
const COPIES = V2_STOP_SEQUENCE.map((_, i) => i);

const move = encodeCommand(4, 'MOVE', { axis: 1, pos: 1_234_567_890, vel: 4000, acc: 20000 }, 2);
const ping = encodeCommand(5, 'PING', {}, 2);
const reset = encodeCommand(6, 'RESET', {}, 2);
const stop = Buffer.from(V2_STOP_SEQUENCE);
const lone = Buffer.from([V2_STOP_BYTE]);
/** The longest run of 0x96 that is not a stop: what one damaged byte duplicated on the line makes, and more. */
const shortRun = Buffer.alloc(V2_STOP_RUN - 1, V2_STOP_BYTE);

function v2Decoder(): CommandDecoder {
  const decoder = new CommandDecoder(2);
  decoder.version = 2;
  return decoder;
}
const kinds = (items: DeviceBoundItem[]) => items.map((i) => i.kind);
const stopsIn = (items: DeviceBoundItem[]) => items.filter((i) => i.kind === 'estop').length;
/** Flips `bit` of byte `at` in a copy. */
function flipped(bytes: readonly number[] | Buffer, at: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 1 << bit;
  return copy;
}
/** Decodes `bytes` cut into chunks at `cuts` (ascending offsets). */
function decodeInChunks(bytes: Buffer, cuts: number[]): DeviceBoundItem[] {
  const decoder = v2Decoder();
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).flatMap((end, i) => decoder.decode(bytes.subarray(bounds[i]!, end)));
}

describe('§v2 Stop: the constants', () => {
  it('the host sends eight copies and the device needs three in a row', () => {
    expect(V2_STOP_SEQUENCE).toEqual([0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96]);
    expect(V2_STOP_RUN).toBe(3);
  });

  it('the nine copies of 0x96 (intact or one bit off) are none of them line bytes', () => {
    const copies = ALL_BYTES.filter(isStopCopy);
    expect(copies).toHaveLength(9);
    expect(copies.filter((b) => LINE_BYTES.includes(b))).toEqual([]);
  });
});

describe('§v2 Stop: no single bit error forges a stop', () => {
  it('(1) no line byte is one bit away from 0x96 (97 bytes x 8 bits)', () => {
    expect(LINE_BYTES).toHaveLength(97);
    const forging = LINE_BYTES.flatMap((byte) => BITS.filter((bit) => (byte ^ (1 << bit)) === V2_STOP_BYTE));
    expect(forging).toEqual([]);
  });

  it('whereas 0x18, the v1 stop, is one bit away from "8" and "X"', () => {
    const forging = LINE_BYTES.filter((byte) => BITS.some((bit) => (byte ^ (1 << bit)) === ESTOP_BYTE));
    expect(forging.map((b) => String.fromCharCode(b))).toEqual(['8', 'X']);
  });

  it('a v2 device never stops on any single bit flip anywhere in a stream of lines', () => {
    const stream = Buffer.concat([move, ping, reset]);
    for (let at = 0; at < stream.length; at++) {
      for (const bit of BITS) expect(stopsIn(v2Decoder().decode(flipped(stream, at, bit)))).toBe(0);
    }
  });

  it('nor with a lone 0x96 anywhere in the stream: every flip of every line byte, every place for the 0x96', () => {
    const lines = Buffer.concat([move, ping]);
    let cases = 0;
    for (let place = 0; place <= lines.length; place++) {
      const stream = Buffer.concat([lines.subarray(0, place), lone, lines.subarray(place)]);
      for (let at = 0; at < stream.length; at++) {
        if (at === place) continue; // the 0x96 itself: see "a lone 0x96" below
        for (const bit of BITS) {
          expect(stopsIn(v2Decoder().decode(flipped(stream, at, bit)))).toBe(0);
          cases++;
        }
      }
    }
    expect(cases).toBe((lines.length + 1) * lines.length * 8);
  });

  it('the same flips in a v1 session do forge stops: the test can tell', () => {
    const stream = Buffer.concat([move, ping, reset]);
    let stops = 0;
    for (let at = 0; at < stream.length; at++) {
      for (const bit of BITS) stops += stopsIn(new CommandDecoder().decode(flipped(stream, at, bit)));
    }
    expect(stops).toBeGreaterThan(0);
  });
});

describe('§v2 Stop: no single bit error or dropped byte hides or doubles a stop', () => {
  it('0x96 x8 between lines stops exactly once, and the lines around it decode', () => {
    const items = v2Decoder().decode(Buffer.concat([move, stop, ping]));
    expect(kinds(items)).toEqual(['command', 'estop', 'command']);
  });

  /** Between two lines and in the middle of one: exactly one stop, and every line not interrupted decodes. */
  function expectOneStop(sequence: Buffer) {
    // 1. Between two lines: one stop, and both lines around it decode.
    const between = v2Decoder().decode(Buffer.concat([move, sequence, ping]));
    expect(kinds(between)).toEqual(['command', 'estop', 'command']);
    expect(between[2]).toMatchObject({ seq: 5, verb: 'PING' });
    // 2. Mid-line: the stop comes first, the partial line is discarded (v1 rule 5), and the line's
    //    tail after the stop is refused on its own; the next line decodes.
    const mid = v2Decoder().decode(Buffer.concat([move.subarray(0, 9), sequence, move.subarray(9), ping]));
    expect(kinds(mid)).toEqual(['estop', 'error', 'command']);
    expect(mid[2]).toMatchObject({ seq: 5, verb: 'PING' });
  }

  it.each(COPIES.flatMap((copy) => BITS.map((bit) => [copy, bit] as const)))(
    '(2) copy %i with bit %i flipped (64 cases): still exactly one stop, between lines and mid-line',
    (copy, bit) => expectOneStop(flipped(V2_STOP_SEQUENCE, copy, bit)),
  );

  it.each(COPIES)('(2) copy %i dropped: still exactly one stop, between lines and mid-line', (copy) => {
    expectOneStop(Buffer.from(V2_STOP_SEQUENCE.filter((_, i) => i !== copy)));
  });

  it.each(COPIES)('copy %i duplicated: one stop, not two', (copy) => {
    const sequence = [...V2_STOP_SEQUENCE];
    sequence.splice(copy, 0, V2_STOP_BYTE);
    expectOneStop(Buffer.from(sequence));
  });

  it('however the sequence is cut into chunks (every cut point, and byte by byte), one stop', () => {
    const stream = Buffer.concat([move, stop, ping]);
    const inStop = COPIES.map((i) => move.length + i + 1).slice(0, -1); // cuts between two copies
    const cutSets = [
      ...[move.length, ...inStop, move.length + stop.length].map((cut) => [cut]),
      inStop,
      Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
    ];
    for (const cuts of cutSets)
      expect(kinds(decodeInChunks(stream, cuts))).toEqual(['command', 'estop', 'command']);
  });

  it('two stops with a line between are two stops; two sequences back to back are one burst, one stop', () => {
    expect(kinds(v2Decoder().decode(Buffer.concat([stop, ping, stop, reset])))).toEqual([
      'estop',
      'command',
      'estop',
      'command',
    ]);
    expect(kinds(v2Decoder().decode(Buffer.concat([stop, stop, reset])))).toEqual(['estop', 'command']);
  });
});

describe('§v2 Stop: what two faults can do (the trade-off, measured)', () => {
  it('two damaged copies of the eight hide the stop in exactly one of the 28 ways: the third and the sixth', () => {
    const hiding: [number, number][] = [];
    for (const first of COPIES) {
      for (const second of COPIES.filter((c) => c > first)) {
        const sequence = flipped(flipped(V2_STOP_SEQUENCE, first, 0), second, 0);
        if (stopsIn(v2Decoder().decode(Buffer.concat([move, sequence, ping]))) === 0)
          hiding.push([first, second]);
      }
    }
    expect(hiding).toEqual([[2, 5]]);
  });
});

describe('§v2 Stop: fewer than three 0x96 in a row never stop', () => {
  it.each(ALL_BYTES.filter(isStopCopy))(
    '(3) a lone copy 0x%s never stops, and costs only the line it lands in (also split across chunks)',
    (copy) => {
      const damaged = Buffer.from([copy]);
      // 1. Between lines: it lands at the start of the next line, which is refused; the line after decodes.
      const between = Buffer.concat([move, damaged, ping, reset]);
      for (const cuts of [[], [move.length], [move.length + 1]]) {
        const items = decodeInChunks(between, cuts);
        expect(items).toMatchObject([
          { kind: 'command', seq: 4 },
          { kind: 'error', code: 'SYNTAX' },
          { kind: 'command', seq: 6 },
        ]);
      }
      // 2. Inside a line: that line is refused (it holds a non-line byte), the next decodes.
      const inside = v2Decoder().decode(
        Buffer.concat([move.subarray(0, 9), damaged, move.subarray(9), ping]),
      );
      expect(inside).toMatchObject([
        { kind: 'error', code: 'SYNTAX', seq: 4 },
        { kind: 'command', seq: 5 },
      ]);
    },
  );

  it('(4) 0x96, any other byte, 0x96 never stops (255 bytes, whole and split between the chunks)', () => {
    for (const other of ALL_BYTES.filter((b) => b !== V2_STOP_BYTE)) {
      const stream = Buffer.concat([move, Buffer.from([V2_STOP_BYTE, other, V2_STOP_BYTE]), ping, reset]);
      for (const cuts of [[], [move.length + 1], [move.length + 2], [move.length + 1, move.length + 2]]) {
        const items = decodeInChunks(stream, cuts);
        expect(stopsIn(items)).toBe(0);
        expect(items[0]).toMatchObject({ kind: 'command', seq: 4 });
        expect(items.at(-1)).toMatchObject({ kind: 'command', seq: 6 });
        expect(items.filter((i) => i.kind === 'command')).toHaveLength(2); // PING took a copy: refused
      }
    }
  });

  it('nor do two in a row (a damaged byte duplicated), between lines, inside one, or across chunks', () => {
    const between = Buffer.concat([move, shortRun, ping, reset]);
    for (const cuts of [[], [move.length + 1]]) {
      expect(decodeInChunks(between, cuts)).toMatchObject([
        { kind: 'command', seq: 4 },
        { kind: 'error', code: 'SYNTAX' },
        { kind: 'command', seq: 6 },
      ]);
    }
    const inside = v2Decoder().decode(Buffer.concat([move.subarray(0, 9), shortRun, move.subarray(9), ping]));
    expect(inside).toMatchObject([
      { kind: 'error', code: 'SYNTAX', seq: 4 },
      { kind: 'command', seq: 5 },
    ]);
  });

  it('nor two short runs with any other byte between them (255 bytes)', () => {
    for (const other of ALL_BYTES.filter((b) => b !== V2_STOP_BYTE)) {
      const stream = Buffer.concat([move, shortRun, Buffer.from([other]), shortRun, ping, reset]);
      const items = v2Decoder().decode(stream);
      expect(stopsIn(items)).toBe(0);
      expect(items.at(-1)).toMatchObject({ kind: 'command', seq: 6 });
    }
  });

  it('(4) nor 0x96 copies every other byte through a whole line', () => {
    const interleaved = Buffer.from(
      [...ping.subarray(0, -1)].flatMap((b) => [V2_STOP_BYTE, b]).concat([V2_STOP_BYTE, LF]),
    );
    const items = v2Decoder().decode(Buffer.concat([interleaved, reset]));
    expect(kinds(items)).toEqual(['error', 'command']);
  });
});

describe('§v2 Stop: each session reads its own stop', () => {
  it('0x18 is an ordinary (refused) byte in v2, 0x96 x8 in v1', () => {
    expect(
      kinds(
        v2Decoder().decode(Buffer.concat([move.subarray(0, 9), Buffer.from([ESTOP_BYTE]), move.subarray(9)])),
      ),
    ).toEqual(['error']);
    expect(
      kinds(new CommandDecoder(2).decode(Buffer.concat([move.subarray(0, 9), stop, move.subarray(9)]))),
    ).toEqual(['error']);
  });

  it('what a host that does not know the version writes (0x96 x8, 0x18) stops either once', () => {
    const unknown = Buffer.from([...V2_STOP_SEQUENCE, ESTOP_BYTE]);
    // 1. v1 (or no session): the copies are non-line bytes of the discarded partial line; 0x18 stops.
    expect(kinds(new CommandDecoder(2).decode(Buffer.concat([move, unknown, ping])))).toEqual([
      'command',
      'estop',
      'command',
    ]);
    // 2. v2: the copies stop; the 0x18 lands in the next line, which is refused; the one after decodes.
    expect(kinds(v2Decoder().decode(Buffer.concat([move, unknown, ping, reset])))).toEqual([
      'command',
      'estop',
      'error',
      'command',
    ]);
  });
});
