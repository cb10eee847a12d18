import { describe, expect, it } from 'vitest';
import { crc16, formatCrc } from './crc16.js';

// A bit-by-bit reference, written independently of the table-driven implementation.
function crc16Reference(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) ^ (byte >> bit)) & 1;
      crc = (crc << 1) & 0xffff;
      if (top) crc ^= 0x1021;
    }
  }
  return crc;
}

describe('crc16', () => {
  it('matches the catalogue check value', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x29b1);
  });
  it('of nothing is the init value', () => {
    expect(crc16(Buffer.alloc(0))).toBe(0xffff);
  });
  it('agrees with a bitwise reference on every single byte and on ranges', () => {
    for (let b = 0; b < 256; b++) expect(crc16(Buffer.from([b]))).toBe(crc16Reference(Buffer.from([b])));
    const bytes = Buffer.from('4 MOVE 1 12000 4000 20000');
    expect(crc16(bytes, 2, 10)).toBe(crc16Reference(bytes.subarray(2, 10)));
  });
  it('formats as exactly four uppercase hex digits', () => {
    expect(formatCrc(0x0b)).toBe('000B');
    expect(formatCrc(0xbe98)).toBe('BE98');
  });
});
