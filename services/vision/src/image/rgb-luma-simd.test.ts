// The SIMD luma kernel gives the Rec. 601 formula's result bit for bit, across chunk boundaries.

import { seededRandom } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { lumaPerPixel } from './gray-image.js';
import { createRgbLumaKernel, rgbLumaModuleBytes } from './rgb-luma-simd.js';

/**
 * The oracle: the formula pixel by pixel, as the service runs it where there is no SIMD (itself
 * checked against the written-out formula in gray-image.test.ts).
 */
function reference(rgb: Uint8Array, pixelCount: number): Uint8Array {
  const out = new Uint8Array(pixelCount);
  lumaPerPixel(rgb, 3, out, 0, pixelCount);
  return out;
}

describe('rgb luma kernel', () => {
  it('is a valid WebAssembly module on this engine (Node 20 and later have SIMD)', () => {
    // "\0asm", version 1 (core spec 5.5.16); createRgbLumaKernel validates it.
    expect([...rgbLumaModuleBytes().subarray(0, 8)]).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(createRgbLumaKernel()).toBeDefined();
  });

  it('matches the formula for every value of each channel, with the others at every extreme', () => {
    const kernel = createRgbLumaKernel()!;
    // Each pixel puts one channel through 0..255 while the others sit at 0, 255 or a mid value: every
    // lane of every shuffle sees every value, and the 16-bit sums reach their largest.
    const pixels: number[] = [];
    for (const other of [0, 255, 128])
      for (let channel = 0; channel < 3; channel++)
        for (let v = 0; v < 256; v++) {
          const px = [other, other, other];
          px[channel] = v;
          pixels.push(...px);
        }
    const rgb = Uint8Array.from(pixels);
    const pixelCount = rgb.length / 3;
    const gray = new Uint8Array(pixelCount);
    const converted = kernel.convert(rgb, gray, pixelCount);
    expect(converted).toBe(pixelCount - (pixelCount % 16));
    expect(gray.subarray(0, converted)).toEqual(reference(rgb, pixelCount).subarray(0, converted));
  });

  it.each([
    [16, 0],
    [16_384, 0],
    [16_384 + 16, 0],
    [1280 * 960, 0],
    [1000 + 7, 3],
  ])('converts %i pixels at byte offset %i, leaving only the remainder of 16', (pixelCount, offset) => {
    const kernel = createRgbLumaKernel()!;
    const random = seededRandom(7 + pixelCount + offset);
    const buffer = new Uint8Array(offset + pixelCount * 3);
    for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(random() * 256);
    const rgb = buffer.subarray(offset);
    const gray = new Uint8Array(pixelCount).fill(7);
    const converted = kernel.convert(rgb, gray, pixelCount);
    expect(converted).toBe(pixelCount - (pixelCount % 16));
    expect(gray.subarray(0, converted)).toEqual(reference(rgb, pixelCount).subarray(0, converted));
    // The remainder is the caller's: untouched.
    expect([...gray.subarray(converted)].every((v) => v === 7)).toBe(true);
  });
});
