// Luma from interleaved samples: the SIMD RGB path and the per-pixel loop give what the Rec. 601 formula gives.

import { seededRandom } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { lumaFromInterleaved } from './gray-image.js';

/** The formula itself, pixel by pixel: the test's own oracle. */
function reference(data: Uint8Array, pixelCount: number, channels: number): Uint8Array {
  const out = new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    const j = i * channels;
    out[i] = (306 * data[j]! + 601 * data[j + 1]! + 117 * data[j + 2]! + 512) >> 10;
  }
  return out;
}

describe('lumaFromInterleaved', () => {
  it.each([
    [3, 1001, 0],
    [3, 1000, 4],
    [3, 999, 1],
    [4, 1001, 0],
  ])('%i channels, %i pixels, at byte offset %i', (channels, pixelCount, offset) => {
    const random = seededRandom(1515 + pixelCount + offset);
    const buffer = new Uint8Array(offset + pixelCount * channels);
    for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(random() * 256);
    const data = buffer.subarray(offset);
    expect(lumaFromInterleaved(data, pixelCount, channels)).toEqual(reference(data, pixelCount, channels));
  });
});
