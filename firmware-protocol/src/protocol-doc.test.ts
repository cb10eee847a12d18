// Every example line in PROTOCOL.md carries the checksum of its body and decodes in the version of the
// section it is in. The checksums were written from Python's binascii; this checks them with the codec.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc16, formatCrc } from './wire/crc16.js';
import { CommandDecoder, DeviceLineDecoder } from './wire/decoder.js';

const doc = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');
const v2At = doc.indexOf('\n## Protocol v2\n');

interface Example {
  body: string;
  crc: string;
  direction: '→' | '←' | undefined;
  version: 1 | 2;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const block of doc.matchAll(/```text\n([\s\S]*?)```/g)) {
    const version = block.index! > v2At ? 2 : 1;
    for (const line of block[1]!.split('\n')) {
      const match = /^(?:([→←]) )?(.*?)\*([0-9A-F]{4})(?=\s|$)/.exec(line);
      if (match)
        out.push({ direction: match[1] as Example['direction'], body: match[2]!, crc: match[3]!, version });
    }
  }
  return out;
}

describe('PROTOCOL.md examples', () => {
  const all = examples();

  it('there are examples in both versions', () => {
    expect(all.filter((e) => e.version === 1).length).toBeGreaterThan(10);
    expect(all.filter((e) => e.version === 2).length).toBeGreaterThan(30);
  });

  it.each(all)('v$version $direction $body*$crc', ({ body, crc, direction, version }) => {
    expect(formatCrc(crc16(Buffer.from(body, 'latin1')))).toBe(crc);
    if (direction === undefined) return;
    const line = Buffer.from(`${body}*${crc}\n`, 'latin1');
    const decoder = direction === '→' ? new CommandDecoder(2) : new DeviceLineDecoder();
    decoder.version = version;
    const items = decoder.decode(line);
    expect(items).toHaveLength(1);
    expect(items[0]!.kind).not.toBe('error');
  });
});
