// Property tests: every message the table allows survives encode -> any chunking -> decode.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandArb, eventArb, okReplyArb, seqArb } from '../test-support/arbitraries.js';
import { CommandDecoder, DeviceLineDecoder } from './decoder.js';
import { encodeCommand, encodeErrorReply, encodeEvent, encodeReply } from './encode.js';
import { WIRE_ERROR_CODES } from './messages.js';
import { parseReplyFields } from './parse-line.js';

/** Splits bytes at the given cut points. */
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

describe('round trips', () => {
  it('commands, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(seqArb, commandArb), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat()),
        (cmds, cuts) => {
          const wire = Buffer.concat(cmds.map(([seq, c]) => encodeCommand(seq, c.verb, c.args as never)));
          const decoder = new CommandDecoder();
          const items = chunked(wire, cuts).flatMap((chunk) => decoder.decode(chunk));
          expect(items).toEqual(
            cmds.map(([seq, c]) => ({ kind: 'command', seq, verb: c.verb, args: c.args })),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('events, split anywhere', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat()), (events, cuts) => {
        const wire = Buffer.concat(events.map((e) => encodeEvent(e.event, e.fields as never)));
        const decoder = new DeviceLineDecoder();
        const items = chunked(wire, cuts).flatMap((chunk) => decoder.decode(chunk));
        expect(items).toEqual(events.map((e) => ({ kind: 'event', ...e })));
      }),
      { numRuns: 2000 },
    );
  });

  it('OK replies, typed by their verb', () => {
    fc.assert(
      fc.property(seqArb, okReplyArb, (seq, { verb, fields }) => {
        const [item] = new DeviceLineDecoder().decode(encodeReply(seq, verb, { ok: true, fields } as never));
        expect(item?.kind === 'reply' && item.ok && item.seq === seq).toBe(true);
        if (item?.kind === 'reply' && item.ok) expect(parseReplyFields(verb, item.fields)).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('ERR replies with their extra fields', () => {
    fc.assert(
      fc.property(seqArb, fc.constantFrom(...WIRE_ERROR_CODES), seqArb, (seq, code, next) => {
        const fields: Record<string, string | number> =
          code === 'SEQ' ? { next } : code === 'STATE' ? { st: 'FAULT' } : {};
        const [item] = new DeviceLineDecoder().decode(encodeErrorReply(seq, code, fields));
        expect(item).toEqual({ kind: 'reply', seq, ok: false, code, fields });
      }),
      { numRuns: 1000 },
    );
  });
});
