// Image decoding: PNG, JPEG and gray8 in; truncated, mislabelled and oversized images rejected by code.

import { encodePng } from '@servo-edge/simulator/labels';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';

const limits = { maxImageWidthPx: 4096, maxImageHeightPx: 4096 };

/** A 64x48 gradient: every pixel distinct enough to catch row/column mix-ups. */
const gradient = (() => {
  const widthPx = 64;
  const heightPx = 48;
  const data = new Uint8Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++) data[y * widthPx + x] = (x * 3 + y) & 0xff;
  return { widthPx, heightPx, data };
})();

function jpegOf(image: typeof gradient): Uint8Array {
  const rgba = new Uint8Array(image.widthPx * image.heightPx * 4);
  for (let i = 0; i < image.data.length; i++)
    rgba.set([image.data[i]!, image.data[i]!, image.data[i]!, 255], i * 4);
  return jpeg.encode({ width: image.widthPx, height: image.heightPx, data: rgba }, 95).data;
}

describe('decodeImage', () => {
  it('gray8 is taken as is', () => {
    const image = decodeImage('gray8', gradient.data, { widthPx: 64, heightPx: 48 }, limits);
    expect(image.data).toBe(gradient.data);
  });

  it('PNG decodes to the same pixels', () => {
    const image = decodeImage('png', encodePng(gradient), {}, limits);
    expect([image.widthPx, image.heightPx]).toEqual([64, 48]);
    expect(Buffer.from(image.data).equals(Buffer.from(gradient.data))).toBe(true);
  });

  it('JPEG decodes to nearly the same pixels', () => {
    const image = decodeImage('jpeg', jpegOf(gradient), { widthPx: 64, heightPx: 48 }, limits);
    let worst = 0;
    for (let i = 0; i < image.data.length; i++)
      worst = Math.max(worst, Math.abs(image.data[i]! - gradient.data[i]!));
    expect(worst).toBeLessThan(12);
  });

  it.each([
    [
      'IMAGE_DIMENSION_MISMATCH',
      () => decodeImage('gray8', gradient.data, { widthPx: 65, heightPx: 48 }, limits),
    ],
    ['IMAGE_DIMENSION_MISMATCH', () => decodeImage('png', encodePng(gradient), { widthPx: 65 }, limits)],
    ['IMAGE_DIMENSION_MISMATCH', () => decodeImage('jpeg', jpegOf(gradient), { heightPx: 47 }, limits)],
    [
      'IMAGE_TOO_LARGE',
      () => decodeImage('gray8', new Uint8Array(5000 * 2), { widthPx: 5000, heightPx: 2 }, limits),
    ],
    [
      'IMAGE_TOO_LARGE',
      () => decodeImage('png', encodePng(gradient), {}, { maxImageWidthPx: 32, maxImageHeightPx: 4096 }),
    ],
    [
      'IMAGE_TOO_LARGE',
      () => decodeImage('jpeg', jpegOf(gradient), {}, { maxImageWidthPx: 4096, maxImageHeightPx: 16 }),
    ],
    ['IMAGE_FORMAT_MISMATCH', () => decodeImage('png', jpegOf(gradient), {}, limits)],
    ['IMAGE_FORMAT_MISMATCH', () => decodeImage('jpeg', encodePng(gradient), {}, limits)],
    ['IMAGE_FORMAT_MISMATCH', () => decodeImage('png', new Uint8Array([0x89, 0x50]), {}, limits)],
  ])('%s', (code, run) => {
    expect(run).toThrow(expect.objectContaining({ code }));
  });

  it('a truncated PNG is IMAGE_DECODE_FAILED, at any cut after the header', () => {
    const png = encodePng(gradient);
    for (const keep of [33, 40, Math.floor(png.length / 2), png.length - 13]) {
      expect(() => decodeImage('png', png.subarray(0, keep), {}, limits), `kept ${keep}`).toThrow(
        expect.objectContaining({ code: 'IMAGE_DECODE_FAILED' }),
      );
    }
  });

  it('a PNG whose header claims a huge image is refused before decoding', () => {
    const png = Buffer.from(encodePng(gradient));
    // Rewrite IHDR width to 100000 (the CRC is now wrong too, but the size check comes first).
    png.writeUInt32BE(100_000, 16);
    expect(() => decodeImage('png', png, {}, limits)).toThrow(
      expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }),
    );
  });

  it('a corrupt JPEG body is IMAGE_DECODE_FAILED', () => {
    const bytes = jpegOf(gradient);
    const corrupt = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    expect(() => decodeImage('jpeg', corrupt, {}, limits)).toThrow(
      expect.objectContaining({ code: 'IMAGE_DECODE_FAILED' }),
    );
  });

  it('a JPEG without a frame header is IMAGE_DECODE_FAILED', () => {
    expect(() =>
      decodeImage('jpeg', new Uint8Array([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0, 0]), {}, limits),
    ).toThrow(expect.objectContaining({ code: 'IMAGE_DECODE_FAILED' }));
  });
});
