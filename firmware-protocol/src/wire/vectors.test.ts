// The independent implementation's vectors (test-fixtures/vectors.json, copied from shared/protocol).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc16, formatCrc } from './crc16.js';
import { CommandDecoder, DeviceLineDecoder } from './decoder.js';
import { encodeCommand, encodeEvent, encodeLine, encodeReply } from './encode.js';
import { type FieldSpec, fieldRule, VERBS, type Verb } from './messages.js';

interface Vectors {
  crc: { check: { input: string; crc: string } };
  valid: { line: string; body: string; crc: string }[];
  invalid: { line: string; reason: string }[];
}
const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../../test-fixtures/vectors.json', import.meta.url), 'utf8'),
);
// The vectors' strings stand for bytes 0..255 (e.g. "\u00ff" is the byte 0xFF).
const bytesOf = (s: string) => Buffer.from(s, 'latin1');

describe('protocol vectors', () => {
  it('CRC-16/CCITT-FALSE check value', () => {
    expect(formatCrc(crc16(bytesOf(vectors.crc.check.input)))).toBe(vectors.crc.check.crc);
    expect(vectors.crc.check.crc).toBe('29B1');
  });

  describe.each(vectors.valid)('valid $body', ({ line, body, crc }) => {
    it('encodes byte for byte', () => {
      expect(formatCrc(crc16(bytesOf(body)))).toBe(crc);
      expect(encodeLine(body).equals(bytesOf(line))).toBe(true);
    });

    it('decodes to a typed frame that re-encodes to the same bytes', () => {
      const isCommand = /^\d+ [A-Z]+/.test(body) && !/^\d+ (OK|ERR)\b/.test(body);
      if (isCommand) {
        const [item] = new CommandDecoder().decode(bytesOf(line));
        expect(item?.kind).toBe('command');
        if (item?.kind !== 'command') return;
        expect(encodeCommand(item.seq, item.verb, item.args as never).toString('latin1')).toBe(line);
        return;
      }
      const [item] = new DeviceLineDecoder().decode(bytesOf(line));
      if (item?.kind === 'event') {
        expect(encodeEvent(item.event, item.fields as never).toString('latin1')).toBe(line);
      } else if (item?.kind === 'reply') {
        // An OK reply's field types depend on the request's verb: pick the verb whose reply has these keys.
        const keys = Object.keys(item.fields).sort().join(',');
        const v1Keys = (v: Verb) =>
          Object.entries(VERBS[v].reply as Record<string, FieldSpec>)
            .filter(([, spec]) => fieldRule(spec, 1).present)
            .map(([key]) => key);
        const verb = (Object.keys(VERBS) as Verb[]).find((v) => v1Keys(v).sort().join(',') === keys)!;
        const reply = item.ok
          ? ({ ok: true, fields: JSON.parse(JSON.stringify(item.fields), numbersBack) } as const)
          : item;
        expect(encodeReply(item.seq, verb, reply as never).toString('latin1')).toBe(line);
      } else {
        expect.unreachable(`decoded as ${JSON.stringify(item)}`);
      }
    });
  });

  describe.each(vectors.invalid)('invalid: $reason', ({ line, reason }) => {
    const allowed = reason.split(':')[0]!.split(' or ');
    it('is refused by the device decoder with the stated code', () => {
      const items = new CommandDecoder().decode(bytesOf(line));
      expect(items).toHaveLength(1);
      expect(items[0]!.kind).toBe('error');
      expect(allowed).toContain((items[0] as { code: string }).code);
    });
    it('is refused by the host decoder with the stated code', () => {
      const items = new DeviceLineDecoder().decode(bytesOf(line));
      expect(items).toHaveLength(1);
      expect(items[0]!.kind).toBe('error');
      expect(allowed).toContain((items[0] as { code: string }).code);
    });
  });
});

function numbersBack(_key: string, value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
}
