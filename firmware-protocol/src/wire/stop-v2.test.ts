// §v2 Stop, proved by exhaustion: no single bit error in a line byte forges the stop, no single bit
// error in the 0x96 0x96 pair hides it or doubles it, and a damaged copy alone costs at most one line.

import { describe, expect, it } from 'vitest';
import { CR, ESTOP_BYTE, LF, V2_STOP_BYTE, V2_STOP_SEQUENCE } from './constants.js';
import { CommandDecoder } from './decoder.js';
import { encodeCommand } from './encode.js';
import type { DeviceBoundItem } from './frames.js';

/** Every byte a host can send in a line (§Framing): printable ASCII, CR and LF. */
const LINE_BYTES = [...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i), CR, LF];
const BITS = [0, 1, 2, 3, 4, 5, 6, 7];

const move = encodeCommand(4, 'MOVE', { axis: 1, pos: 1_234_567_890, vel: 4000, acc: 20000 }, 2);
const ping = encodeCommand(5, 'PING', {}, 2);
const reset = encodeCommand(6, 'RESET', {}, 2);

function v2Decoder(): CommandDecoder {
  const decoder = new CommandDecoder(2);
  decoder.version = 2;
  return decoder;
}
const kinds = (items: DeviceBoundItem[]) => items.map((i) => i.kind);
/** Flips `bit` of byte `at` in a copy. */
function flipped(bytes: readonly number[] | Buffer, at: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 1 << bit;
  return copy;
}

describe('§v2 Stop: no single bit error forges a stop', () => {
  it('no line byte is one bit away from 0x96 (97 bytes x 8 bits)', () => {
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
      for (const bit of BITS) {
        const items = v2Decoder().decode(flipped(stream, at, bit));
        expect(kinds(items)).not.toContain('estop');
      }
    }
  });

  it('the same flips in a v1 session do forge stops: the test can tell', () => {
    const stream = Buffer.concat([move, ping, reset]);
    let stops = 0;
    for (let at = 0; at < stream.length; at++) {
      for (const bit of BITS)
        stops += kinds(new CommandDecoder().decode(flipped(stream, at, bit))).filter(
          (k) => k === 'estop',
        ).length;
    }
    expect(stops).toBeGreaterThan(0);
  });
});

describe('§v2 Stop: no single bit error hides or doubles a stop', () => {
  it('0x96 0x96 between lines stops exactly once, and the next line decodes', () => {
    const items = v2Decoder().decode(Buffer.concat([move, Buffer.from(V2_STOP_SEQUENCE), ping]));
    expect(kinds(items)).toEqual(['command', 'estop', 'command']);
  });

  it.each([0, 1].flatMap((copy) => BITS.map((bit) => [copy, bit] as const)))(
    'copy %i with bit %i flipped: still exactly one stop, between lines and mid-line',
    (copy, bit) => {
      const pair = flipped(V2_STOP_SEQUENCE, copy, bit);
      // 1. Between two lines: one stop, and both lines around it decode.
      const between = v2Decoder().decode(Buffer.concat([move, pair, ping]));
      expect(kinds(between)).toEqual(['command', 'estop', 'command']);
      expect(between[2]).toMatchObject({ seq: 5, verb: 'PING' });
      // 2. Mid-line: the interrupted line is discarded (v1 rule 5), the next decodes.
      const mid = v2Decoder().decode(Buffer.concat([move.subarray(0, 9), pair, move.subarray(9), ping]));
      expect(mid.filter((i) => i.kind === 'estop')).toHaveLength(1);
      expect(mid.at(-1)).toMatchObject({ kind: 'command', seq: 5 });
      expect(mid.filter((i) => i.kind === 'command')).toHaveLength(1);
    },
  );

  it('the pair split across chunks is one stop; two pairs are two stops', () => {
    const decoder = v2Decoder();
    const items = [
      ...decoder.decode(Buffer.concat([move, Buffer.from([V2_STOP_BYTE])])),
      ...decoder.decode(Buffer.concat([Buffer.from([V2_STOP_BYTE]), ping])),
      ...decoder.decode(Buffer.from([...V2_STOP_SEQUENCE, ...V2_STOP_SEQUENCE])),
      ...decoder.decode(reset),
    ];
    expect(kinds(items)).toEqual(['command', 'estop', 'command', 'estop', 'estop', 'command']);
  });
});

describe('§v2 Stop: a damaged copy alone', () => {
  it.each(BITS)('0x96 with bit %i flipped never stops, and costs at most the line it lands in', (bit) => {
    const damaged = Buffer.from([V2_STOP_BYTE ^ (1 << bit)]);
    // 1. Between lines: it lands in the next line, which is refused; the line after decodes.
    const between = v2Decoder().decode(Buffer.concat([move, damaged, ping, reset]));
    expect(kinds(between)).not.toContain('estop');
    expect(between[0]).toMatchObject({ kind: 'command', seq: 4 });
    expect(between[1]).toMatchObject({ kind: 'error' });
    expect(between[2]).toMatchObject({ kind: 'command', seq: 6 });
    // 2. Inside a line: that line is refused, the next decodes.
    const inside = v2Decoder().decode(Buffer.concat([move.subarray(0, 9), damaged, move.subarray(9), ping]));
    expect(kinds(inside)).toEqual(['error', 'command']);
  });
});

describe('§v2 Stop: each session reads its own stop', () => {
  it('0x18 is an ordinary (refused) byte in v2, 0x96 in v1', () => {
    expect(
      kinds(
        v2Decoder().decode(Buffer.concat([move.subarray(0, 9), Buffer.from([ESTOP_BYTE]), move.subarray(9)])),
      ),
    ).toEqual(['error']);
    expect(
      kinds(
        new CommandDecoder(2).decode(
          Buffer.concat([move.subarray(0, 9), Buffer.from(V2_STOP_SEQUENCE), move.subarray(9)]),
        ),
      ),
    ).toEqual(['error']);
  });
});
