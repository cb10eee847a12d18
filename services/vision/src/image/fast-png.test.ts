// The fast PNG path against pngjs: every 8-bit colour type and every row filter, plus broken files.

import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodePngFast } from './fast-png.js';
import { lumaFromInterleaved } from './gray-image.js';

const widthPx = 37;
const heightPx = 23;

/** An RGBA test card with gradients and noise, so every filter has something to predict. */
function card(): Buffer {
  const rgba = Buffer.alloc(widthPx * heightPx * 4);
  let seed = 12345;
  for (let i = 0; i < widthPx * heightPx; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = i % widthPx;
    const y = Math.floor(i / widthPx);
    rgba[i * 4] = (x * 7 + (seed >>> 28)) & 0xff;
    rgba[i * 4 + 1] = (y * 11) & 0xff;
    rgba[i * 4 + 2] = (x * y) & 0xff;
    rgba[i * 4 + 3] = 200 + (seed >>> 29);
  }
  return rgba;
}

function encode(colorType: 0 | 2 | 4 | 6, filterType: number, bitDepth: 8 | 16 = 8): Buffer {
  const png = new PNG({ width: widthPx, height: heightPx });
  png.data = card();
  return PNG.sync.write(png, { colorType, filterType, bitDepth, inputColorType: 6, inputHasAlpha: true });
}

describe('decodePngFast', () => {
  for (const colorType of [0, 2, 4, 6] as const) {
    it.each([0, 1, 2, 3, 4])(`colour type ${colorType}, filter %i: same luma as pngjs`, (filterType) => {
      const bytes = encode(colorType, filterType);
      const reference = PNG.sync.read(bytes);
      const expected = lumaFromInterleaved(reference.data, widthPx * heightPx, 4);
      const fast = decodePngFast(bytes);
      expect(fast).toBeDefined();
      expect([fast!.widthPx, fast!.heightPx]).toEqual([widthPx, heightPx]);
      expect(Buffer.from(fast!.data).equals(Buffer.from(expected))).toBe(true);
    });
  }

  it('leaves 16-bit files to the general decoder', () => {
    expect(decodePngFast(encode(0, 0, 16))).toBeUndefined();
  });

  it.each([
    [
      'a bad CRC',
      (b: Buffer) => Buffer.concat([b.subarray(0, 40), Buffer.from([b[40]! ^ 0xff]), b.subarray(41)]),
    ],
    ['a truncated file', (b: Buffer) => b.subarray(0, b.length - 20)],
    ['a missing IEND', (b: Buffer) => b.subarray(0, b.length - 12)],
  ])('rejects %s with IMAGE_DECODE_FAILED', (_name, damage) => {
    expect(() => decodePngFast(damage(encode(0, 1)))).toThrow(
      expect.objectContaining({ code: 'IMAGE_DECODE_FAILED' }),
    );
  });

  it('refuses image data that inflates beyond the declared size', () => {
    // A valid 2x2 gray PNG whose IDAT holds a megabyte of zeros: a small compression bomb.
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE(crc32(body), 8 + data.length);
      return out;
    };
    const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(1024 * 1024))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect(() => decodePngFast(bomb)).toThrow(expect.objectContaining({ code: 'IMAGE_DECODE_FAILED' }));
  });
});
