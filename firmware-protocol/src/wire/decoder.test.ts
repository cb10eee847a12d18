// Framing behaviour of the streaming decoders (§Framing, §Device rules 1 and 5) and a random-input run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESTOP_BYTE, MAX_LINE_BYTES } from './constants.js';
import { crc16, formatCrc } from './crc16.js';
import { CommandDecoder, DeviceLineDecoder } from './decoder.js';
import { encodeCommand, encodeLine } from './encode.js';
import { checkLine } from './parse-line.js';

const move = encodeCommand(4, 'MOVE', { axis: 1, pos: 12000, vel: 4000, acc: 20000 });
const ping = encodeCommand(5, 'PING', {});

/**
 * `7 VERBX AAA…*<crc>` and its terminator, exactly `lineBytes` long counting the terminator (§Framing
 * counts the LF, and a CR before it). Well framed with a good checksum, so only its length can be
 * wrong; built by hand because encodeLine refuses to write a line over the limit.
 */
function framedLine(lineBytes: number, terminator: '\n' | '\r\n' = '\n'): Buffer {
  const head = '7 VERBX ';
  const body = `${head}${'A'.repeat(lineBytes - head.length - '*0000'.length - terminator.length)}`;
  const crc = formatCrc(crc16(Buffer.from(body, 'latin1')));
  const line = Buffer.from(`${body}*${crc}${terminator}`, 'latin1');
  if (line.length !== lineBytes) throw new Error(`built ${line.length} bytes, not ${lineBytes}`);
  return line;
}

describe('CommandDecoder framing', () => {
  it('ignores a CR directly before the LF', () => {
    const crlf = Buffer.concat([move.subarray(0, -1), Buffer.from('\r\n')]);
    expect(new CommandDecoder().decode(crlf)).toEqual(new CommandDecoder().decode(move));
  });

  it('treats a CR elsewhere as a syntax error', () => {
    const body = move.toString('latin1').replace(' 1 ', ' 1\r');
    const [item] = new CommandDecoder().decode(Buffer.from(body, 'latin1'));
    expect(item).toMatchObject({ kind: 'error', code: 'SYNTAX', seq: 4 });
  });

  it('decodes the same items however the stream is split', () => {
    const stream = Buffer.concat([move, ping, move]);
    const whole = new CommandDecoder().decode(stream);
    for (let i = 0; i <= stream.length; i++) {
      const d = new CommandDecoder();
      expect([...d.decode(stream.subarray(0, i)), ...d.decode(stream.subarray(i))]).toEqual(whole);
    }
    const d = new CommandDecoder();
    expect([...stream].flatMap((b) => d.decode(Buffer.from([b])))).toEqual(whole);
  });

  it('0x18 mid-line signals e-stop and discards the partial line only', () => {
    const half = move.subarray(0, 10);
    const items = new CommandDecoder().decode(Buffer.concat([half, Buffer.from([ESTOP_BYTE]), ping]));
    expect(items.map((i) => i.kind)).toEqual(['estop', 'command']);
    expect(items[1]).toMatchObject({ seq: 5, verb: 'PING' });
  });

  it('0x18 split across chunks and between lines', () => {
    const d = new CommandDecoder();
    expect(d.decode(move.subarray(0, 7)).map((i) => i.kind)).toEqual([]);
    expect(d.decode(Buffer.from([ESTOP_BYTE, ESTOP_BYTE])).map((i) => i.kind)).toEqual(['estop', 'estop']);
    expect(d.decode(Buffer.concat([move, Buffer.from([ESTOP_BYTE])])).map((i) => i.kind)).toEqual([
      'command',
      'estop',
    ]);
  });

  it('accepts a line of exactly 128 bytes and refuses one of exactly 129 with TOO_LONG and the seq', () => {
    expect(MAX_LINE_BYTES).toBe(128); // §Framing: at most 128 bytes, LF included
    const exact = framedLine(MAX_LINE_BYTES);
    // The longest line the encoder itself would write.
    expect(exact).toEqual(encodeLine(exact.subarray(0, -6).toString('latin1')));
    expect(new CommandDecoder().decode(exact)).toEqual([
      { kind: 'invalid-command', code: 'VERB', seq: 7, verbToken: 'VERBX', detail: expect.any(String) },
    ]);
    const over = framedLine(MAX_LINE_BYTES + 1);
    // Well framed with a good checksum: its length is the only thing wrong with it.
    expect(checkLine(over.subarray(0, -1))).toHaveProperty('tokens');
    expect(new CommandDecoder().decode(over)).toEqual([
      { kind: 'error', code: 'TOO_LONG', seq: 7, detail: expect.any(String) },
    ]);
  });

  // VERB: the line passed framing and its checksum; only its unknown verb was refused.
  it.each([
    ['a 128-byte line ending in LF passes framing', framedLine(128), 'VERB'],
    ['a 129-byte line ending in LF is TOO_LONG', framedLine(129), 'TOO_LONG'],
    ['a 128-byte line ending in CRLF passes framing', framedLine(128, '\r\n'), 'VERB'],
    ['a 129-byte line ending in CRLF is TOO_LONG', framedLine(129, '\r\n'), 'TOO_LONG'],
  ] as const)('%s however it is split, and the next line still decodes', (_title, bytes, code) => {
    const stream = Buffer.concat([bytes, ping]);
    const expected = [
      { code, seq: 7 },
      { kind: 'command', seq: 5, verb: 'PING' },
    ];
    for (let i = 0; i <= stream.length; i++) {
      const d = new CommandDecoder();
      expect([...d.decode(stream.subarray(0, i)), ...d.decode(stream.subarray(i))]).toMatchObject(expected);
    }
    const d = new CommandDecoder();
    expect([...stream].flatMap((b) => d.decode(Buffer.from([b])))).toMatchObject(expected);
  });

  it('counts the CR toward the 128 bytes', () => {
    const line = encodeLine(`7 VERBX ${'A'.repeat(MAX_LINE_BYTES - 6 - 8)}`);
    expect(line.length).toBe(128);
    const withCr = Buffer.concat([line.subarray(0, -1), Buffer.from('\r\n')]);
    expect(new CommandDecoder().decode(withCr)[0]).toMatchObject({ kind: 'error', code: 'TOO_LONG' });
  });

  it('discards an endless line up to its LF, with bounded memory, then resynchronises', () => {
    const d = new CommandDecoder();
    for (let i = 0; i < 1000; i++) expect(d.decode(Buffer.alloc(1000, 0x41))).toEqual([]);
    const items = d.decode(Buffer.concat([Buffer.from('\n'), ping]));
    expect(items.map((i) => i.kind)).toEqual(['error', 'command']);
    expect(items[0]).toMatchObject({ code: 'TOO_LONG' });
    expect(items[0]).not.toHaveProperty('seq');
  });

  it('reads the seq of a damaged line only when it is a well-formed seq', () => {
    const cases: [string, number | undefined][] = [
      ['12 PING*0000\n', 12],
      ['012 PING*0000\n', undefined],
      ['65536 PING*0000\n', undefined],
      ['65535 PING*0000\n', 65535],
      ['1x PING*0000\n', undefined],
    ];
    for (const [line, seq] of cases) {
      const [item] = new CommandDecoder().decode(Buffer.from(line));
      expect(item).toMatchObject({ kind: 'error', code: 'CRC' });
      expect((item as { seq?: number }).seq).toBe(seq);
    }
  });

  it('tells unknown verbs (VERB) from bad arguments (ARGS)', () => {
    const d = new CommandDecoder();
    expect(d.decode(encodeLine('3 JUMP 1'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'VERB',
      seq: 3,
    });
    expect(d.decode(encodeLine('3 MOVE 1 2 3'))[0]).toMatchObject({ kind: 'invalid-command', code: 'ARGS' });
    expect(d.decode(encodeLine('3 MOVE 1 2 0 5'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'ARGS',
    });
    expect(d.decode(encodeLine('3 MOVE 1 -0 1 5'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'ARGS',
    });
    expect(d.decode(encodeLine('3 MOVE 1 007 1 5'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'ARGS',
    });
    expect(d.decode(encodeLine('3 SET 1 SPEED 5'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'ARGS',
    });
    expect(d.decode(encodeLine('3 GET 99999999999'))[0]).toMatchObject({
      kind: 'invalid-command',
      code: 'ARGS',
    });
  });
});

describe('DeviceLineDecoder', () => {
  it('refuses events with missing or badly typed fields, ignores unknown extra fields', () => {
    const d = new DeviceLineDecoder();
    expect(d.decode(encodeLine('! DONE axis=1 seq=4'))[0]).toMatchObject({ kind: 'error', code: 'SYNTAX' });
    expect(d.decode(encodeLine('! FAULT axis=1 code=SMOKE'))[0]).toMatchObject({
      kind: 'error',
      code: 'SYNTAX',
    });
    expect(d.decode(encodeLine('! HOMED axis=3 pos=0 extra=1'))[0]).toEqual({
      kind: 'event',
      event: 'HOMED',
      fields: { axis: 3, pos: 0 },
    });
    expect(d.decode(encodeLine('! TELEPORT'))[0]).toMatchObject({ kind: 'error', code: 'SYNTAX' });
    expect(d.decode(encodeLine('9 ERR NOPE'))[0]).toMatchObject({ kind: 'error', code: 'SYNTAX', seq: 9 });
  });
});

describe('random input', () => {
  // 10^5 inputs per decoder: random bytes, and valid streams with random damage. Never throws,
  // always returns (each call is bounded by its input), and only yields items of the known kinds.
  const kinds = new Set(['command', 'invalid-command', 'reply', 'event', 'error', 'estop']);
  const valid = Buffer.concat([move, ping, encodeLine('! DONE axis=1 seq=4 pos=12000'), encodeLine('4 OK')]);
  const damaged = fc
    .tuple(
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(valid.length),
    )
    .map(([edits, cut]) => {
      const copy = Buffer.from(valid);
      for (const [at, byte] of edits) copy[at] = byte;
      return copy.subarray(0, cut);
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), damaged);

  it.each([
    ['CommandDecoder', () => new CommandDecoder()],
    ['DeviceLineDecoder', () => new DeviceLineDecoder()],
  ])('%s survives 100000 random inputs', (_name, make) => {
    const decoder = make();
    let items = 0;
    fc.assert(
      fc.property(input, (bytes) => {
        for (const item of decoder.decode(bytes)) {
          expect(kinds.has(item.kind)).toBe(true);
          items++;
        }
      }),
      { numRuns: 100_000 },
    );
    expect(items).toBeGreaterThan(0);
  });
});
