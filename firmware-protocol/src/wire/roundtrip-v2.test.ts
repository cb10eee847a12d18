// v2 codec: the new value types at their bounds, round trips of every v2 message split anywhere, and
// random input against the v2 decoders (§v2 Events, §v2 Positions, §v2 Negotiation).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandArbFor, eventArbFor, okReplyArbFor, seqArb } from '../test-support/arbitraries.js';
import { CommandDecoder, DeviceLineDecoder } from './decoder.js';
import { encodeCommand, encodeEvent, encodeLine, encodeReply } from './encode.js';
import { EVENTS } from './messages.js';
import { parseReplyFields } from './parse-line.js';
import { formatValue, parseValue, readValue } from './values.js';

const SAFE = Number.MAX_SAFE_INTEGER;

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

describe('v2 value types', () => {
  it.each([
    ['9007199254740991', { ok: true, value: SAFE }],
    ['-9007199254740991', { ok: true, value: -SAFE }],
    ['9007199254740992', { ok: false, problem: 'range' }],
    ['9223372036854775807', { ok: false, problem: 'range' }],
    ['-9223372036854775807', { ok: false, problem: 'range' }],
    ['9223372036854775808', { ok: false, problem: 'form' }],
    ['-9223372036854775808', { ok: false, problem: 'form' }],
    ['10000000000000000000', { ok: false, problem: 'form' }],
    ['-0', { ok: false, problem: 'form' }],
    ['007', { ok: false, problem: 'form' }],
    ['+7', { ok: false, problem: 'form' }],
    ['0', { ok: true, value: 0 }],
  ])('i64 %s', (text, expected) => {
    expect(readValue('i64', text)).toEqual(expected);
  });

  it('position is int in v1 and i64 in v2; deviceTime is uint in v1 and u64 in v2', () => {
    expect(parseValue('position', '2147483648', 1)).toBeUndefined();
    expect(parseValue('position', '2147483648', 2)).toBe(2 ** 31);
    expect(parseValue('deviceTime', '4294967296', 1)).toBeUndefined();
    expect(parseValue('deviceTime', '4294967296', 2)).toBe(2 ** 32);
    expect(parseValue('deviceTime', '-1', 2)).toBeUndefined();
    expect(formatValue('position', 2 ** 31, 1)).toBeUndefined();
    expect(formatValue('position', -(2 ** 47), 2)).toBe('-140737488355328');
    expect(formatValue('position', SAFE + 1, 2)).toBeUndefined();
  });

  it('bound64 reads a bound beyond 2^53-1 as 2^53-1, and writes only what reads back', () => {
    expect(parseValue('bound64', '9223372036854775807')).toBe(SAFE);
    expect(parseValue('bound64', '140737488355327')).toBe(2 ** 47 - 1);
    expect(parseValue('bound64', '-1')).toBeUndefined();
    expect(formatValue('bound64', 2 ** 47 - 1)).toBe('140737488355327');
    expect(formatValue('bound64', SAFE + 1)).toBeUndefined();
  });

  it('tokenList: NONE is the empty list; tokens are upper case', () => {
    expect(parseValue('tokenList', 'NONE')).toEqual([]);
    expect(parseValue('tokenList', 'TRIG,LEASE')).toEqual(['TRIG', 'LEASE']);
    expect(parseValue('tokenList', 'TRIG,,LEASE')).toBeUndefined();
    expect(parseValue('tokenList', 'trig')).toBeUndefined();
    expect(parseValue('tokenList', 'TRIG,NONE')).toBeUndefined();
    expect(formatValue('tokenList', [])).toBe('NONE');
    expect(formatValue('tokenList', ['TRIG'])).toBe('TRIG');
  });

  it('direction is 1 or -1', () => {
    expect(['1', '-1', '0', '2', '+1'].map((t) => parseValue('direction', t))).toEqual([
      1,
      -1,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('i64: every safe integer round-trips; every other decimal up to 20 digits is refused, never rounded', () => {
    fc.assert(
      fc.property(fc.integer({ min: -SAFE, max: SAFE }), (n) => {
        expect(parseValue('i64', formatValue('i64', n)!)).toBe(n);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (n) => {
        const parsed = readValue('i64', n.toString());
        const magnitude = n < 0n ? -n : n;
        if (magnitude <= BigInt(SAFE)) expect(parsed).toEqual({ ok: true, value: Number(n) });
        else expect(parsed).toEqual({ ok: false, problem: magnitude <= 2n ** 63n - 1n ? 'range' : 'form' });
      }),
      { numRuns: 5000 },
    );
  });
});

describe('v2 round trips', () => {
  it('commands, split anywhere, read in a v2 session', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(seqArb, commandArbFor(2)), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat()),
        (cmds, cuts) => {
          const wire = Buffer.concat(cmds.map(([seq, c]) => encodeCommand(seq, c.verb, c.args as never, 2)));
          const decoder = new CommandDecoder(2);
          decoder.version = 2;
          const items = chunked(wire, cuts).flatMap((chunk) => decoder.decode(chunk));
          expect(items).toEqual(
            cmds.map(([seq, c]) => ({ kind: 'command', seq, verb: c.verb, args: c.args })),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('events with their eseq, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArbFor(2), seqArb), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat()),
        (events, cuts) => {
          const withEseq = events.map(([e, eseq]) => (EVENTS[e.event].sequenced ? { ...e, eseq } : e));
          const wire = Buffer.concat(
            withEseq.map((e) =>
              encodeEvent(
                e.event,
                e.fields as never,
                'eseq' in e ? { version: 2, eseq: e.eseq } : { version: 2 },
              ),
            ),
          );
          const decoder = new DeviceLineDecoder();
          decoder.version = 2;
          const items = chunked(wire, cuts).flatMap((chunk) => decoder.decode(chunk));
          expect(items).toEqual(withEseq.map((e) => ({ kind: 'event', ...e })));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('OK replies with their v2 fields, typed by their verb', () => {
    fc.assert(
      fc.property(seqArb, okReplyArbFor(2), (seq, { verb, fields }) => {
        const decoder = new DeviceLineDecoder();
        decoder.version = 2;
        let line: Buffer;
        try {
          line = encodeReply(seq, verb, { ok: true, fields } as never, 2);
        } catch (error) {
          // Ten 10-digit HELLO fields do not fit 128 bytes; no device advertises such limits.
          fc.pre((error as { code?: string }).code !== 'PROTO_LINE_TOO_LONG');
          throw error;
        }
        const [item] = decoder.decode(line);
        expect(item?.kind === 'reply' && item.ok && item.seq === seq).toBe(true);
        if (item?.kind === 'reply' && item.ok) expect(parseReplyFields(verb, item.fields, 2)).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('a v1 encoder leaves v2 fields out, so a v2 handler gives a v1 session exactly the v1 line', () => {
    const get = { ok: true, fields: { pos: 1, vel: 0, tgt: 1, st: 'IDLE', q: 0, run: 0 } } as const;
    expect(encodeReply(9, 'GET', get, 1).toString()).toBe(
      encodeLine('9 OK pos=1 vel=0 tgt=1 st=IDLE q=0').toString(),
    );
    const aborted = { axis: 1, seq: 4, pos: 7311, why: 'ESTOP' } as const;
    expect(encodeEvent('ABORTED', aborted).toString()).toBe(
      encodeLine('! ABORTED axis=1 seq=4 pos=7311').toString(),
    );
  });

  it('refuses to write what the version does not have', () => {
    expect(() =>
      encodeCommand(1, 'TMOVE', { axis: 1, pos: 1, vel: 1, acc: 1, src: 2, at: 0, dir: 1 }, 1),
    ).toThrow(expect.objectContaining({ code: 'PROTO_NOT_SUPPORTED' }));
    expect(() => encodeCommand(1, 'JOG', { axis: 1, vel: 1, acc: 1, lease: 300 }, 1)).toThrow(
      expect.objectContaining({ code: 'PROTO_NOT_SUPPORTED' }),
    );
    expect(() => encodeCommand(1, 'JOG', { axis: 1, vel: 1, acc: 1 }, 2)).toThrow(
      expect.objectContaining({ code: 'PROTO_INVALID_ARGUMENT' }),
    );
    expect(() => encodeEvent('STARTED', { axis: 1, seq: 1, t: 0 })).toThrow(
      expect.objectContaining({ code: 'PROTO_NOT_SUPPORTED' }),
    );
    expect(() => encodeEvent('DONE', { axis: 1, seq: 1, pos: 0 }, { version: 2 })).toThrow(
      expect.objectContaining({ code: 'PROTO_INVALID_ARGUMENT' }),
    );
    expect(() => encodeEvent('POS', { t: 0, p: [0], v: [0] }, { version: 2, eseq: 3 })).toThrow(
      expect.objectContaining({ code: 'PROTO_INVALID_ARGUMENT' }),
    );
  });
});

describe('v2 random input', () => {
  // Random bytes (0x96 and 0x18 included) and damaged v2 streams: never throws, yields known kinds only.
  const kinds = new Set(['command', 'invalid-command', 'reply', 'event', 'error', 'estop']);
  const valid = Buffer.concat([
    encodeCommand(
      4,
      'TMOVE',
      { axis: 2, pos: 5000, vel: 20000, acc: 400000, src: 1, at: 2 ** 40, dir: 1 },
      2,
    ),
    encodeCommand(5, 'ACK', { eseq: 17 }, 2),
    encodeEvent('DONE', { axis: 1, seq: 4, pos: -(2 ** 50) }, { version: 2, eseq: 12 }),
    encodeLine('4 OK pos=9007199254740991 vel=0 tgt=1 st=IDLE q=0 run=0'),
    Buffer.from([0x96, 0x96]),
  ]);
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
    ['CommandDecoder', () => Object.assign(new CommandDecoder(2), { version: 2 })],
    ['DeviceLineDecoder', () => Object.assign(new DeviceLineDecoder(), { version: 2 })],
  ])('%s (v2) survives 50000 random inputs', (_name, make) => {
    const decoder = make();
    let items = 0;
    fc.assert(
      fc.property(input, (bytes) => {
        for (const item of decoder.decode(bytes)) {
          expect(kinds.has(item.kind)).toBe(true);
          if (item.kind === 'event' && item.eseq !== undefined) expect(item.eseq).toBeGreaterThan(0);
          items++;
        }
      }),
      { numRuns: 50_000 },
    );
    expect(items).toBeGreaterThan(0);
  });
});
