// The v2 vectors (test-fixtures/vectors-v2.json, checksums from Python's binascii, not from this codec),
// read as a v2 session reads them, and their refusal by a v1 session.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc16, formatCrc } from './crc16.js';
import { CommandDecoder, DeviceLineDecoder } from './decoder.js';
import { encodeCommand, encodeEvent, encodeLine, encodeReply } from './encode.js';
import type { Verb } from './messages.js';
import { parseReplyFields } from './parse-line.js';

interface Vector {
  line: string;
  body: string;
  crc: string;
  from: 'host' | 'device';
  verb?: Verb;
  decoded?: Record<string, unknown>;
}
interface Refused {
  line: string;
  from: 'host' | 'device';
  reason: string;
  verb?: Verb;
}
const vectors: {
  crc: { check: { input: string; crc: string } };
  valid: Vector[];
  invalid: Refused[];
  refusedInV1: Refused[];
} = JSON.parse(readFileSync(new URL('../../test-fixtures/vectors-v2.json', import.meta.url), 'utf8'));
const bytesOf = (s: string) => Buffer.from(s, 'latin1');

/** A decoder as a device (host) in a v2 session has it, or a v1 one. */
function deviceDecoder(version: 1 | 2) {
  const decoder = new CommandDecoder(2);
  decoder.version = version;
  return decoder;
}
function hostDecoder(version: 1 | 2) {
  const decoder = new DeviceLineDecoder();
  decoder.version = version;
  return decoder;
}

describe('protocol v2 vectors', () => {
  it('use the same checksum as v1', () => {
    expect(vectors.crc.check.crc).toBe('29B1');
    expect(formatCrc(crc16(bytesOf(vectors.crc.check.input)))).toBe(vectors.crc.check.crc);
  });

  describe.each(vectors.valid)('valid $body', ({ line, body, crc, from, verb, decoded }) => {
    it('has the checksum the encoder writes', () => {
      expect(formatCrc(crc16(bytesOf(body)))).toBe(crc);
      expect(encodeLine(body).equals(bytesOf(line))).toBe(true);
    });

    it('decodes in a v2 session to a typed frame that re-encodes to the same bytes', () => {
      if (from === 'host') {
        const [item] = deviceDecoder(2).decode(bytesOf(line));
        expect(item?.kind).toBe('command');
        if (item?.kind !== 'command') return;
        expect(encodeCommand(item.seq, item.verb, item.args as never, 2).toString('latin1')).toBe(line);
        return;
      }
      const [item] = hostDecoder(2).decode(bytesOf(line));
      if (item?.kind === 'event') {
        const encoding =
          item.eseq === undefined ? { version: 2 as const } : { version: 2 as const, eseq: item.eseq };
        expect(encodeEvent(item.event, item.fields as never, encoding).toString('latin1')).toBe(line);
      } else if (item?.kind === 'reply' && item.ok) {
        const fields = parseReplyFields(verb!, item.fields, 2);
        expect(typeof fields).toBe('object');
        if (decoded) {
          // Read as a JavaScript host reads it (pmax capped, unknown features kept): not the same bytes.
          expect(fields).toEqual(decoded);
          return;
        }
        expect(encodeReply(item.seq, verb!, { ok: true, fields } as never, 2).toString('latin1')).toBe(line);
      } else if (item?.kind === 'reply') {
        expect(encodeReply(item.seq, 'PING', item, 2).toString('latin1')).toBe(line);
      } else {
        expect.unreachable(`decoded as ${JSON.stringify(item)}`);
      }
    });
  });

  describe.each([
    ['v2', 2, vectors.invalid],
    ['v1', 1, vectors.refusedInV1],
  ] as const)('refused in a %s session', (_name, version, refused) => {
    it.each(refused)('$reason: $line', ({ line, from, reason, verb }) => {
      const code = reason.split(':')[0]!;
      if (from === 'host') {
        const items = deviceDecoder(version).decode(bytesOf(line));
        expect(items).toHaveLength(1);
        // VERB, ARGS and RANGE are answered like any command (cached); the others are link errors.
        const kind = ['VERB', 'ARGS', 'RANGE'].includes(code) ? 'invalid-command' : 'error';
        expect(items[0]).toMatchObject({ kind, code });
        return;
      }
      const items = hostDecoder(version).decode(bytesOf(line));
      expect(items).toHaveLength(1);
      if (code === 'BAD_REPLY') {
        // Well framed: only the table, applied once the request's verb is known, refuses it.
        expect(items[0]).toMatchObject({ kind: 'reply', ok: true });
        if (items[0]?.kind === 'reply' && items[0].ok) {
          expect(typeof parseReplyFields(verb!, items[0].fields, version)).toBe('string');
        }
        return;
      }
      expect(items[0]).toMatchObject({ kind: 'error', code });
    });
  });

  it('a v2 reply read by a v1 host is the v1 reply: v2 fields are ignored', () => {
    const hello = vectors.valid.find((v) => v.verb === 'HELLO')!;
    const [item] = hostDecoder(1).decode(bytesOf(hello.line));
    if (item?.kind !== 'reply' || !item.ok) return expect.unreachable(JSON.stringify(item));
    expect(parseReplyFields('HELLO', item.fields, 1)).toEqual({
      proto: 2,
      fw: '2.0.0',
      axes: 4,
      rx: 256,
      win: 8,
      qd: 8,
      wd: 1000,
    });
  });
});
