// The workers' decoder: JPEG through libjpeg-turbo gives the pixels jpeg-js gives, and the same codes on bad input.

import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { isVisionError } from '../errors.js';
import { decodeFrameImage, warmFrameImageDecoder } from './decode-frame-image.js';
import { decodeImage } from './decode-image.js';

const limits = { maxImageWidthPx: 4096, maxImageHeightPx: 4096 };

/** A 96x64 pattern of gradients and hard edges, as three-component JPEG (what jpeg-js writes). */
function jpegOf(quality: number): { bytes: Uint8Array; gray: Uint8Array } {
  const widthPx = 96;
  const heightPx = 64;
  const gray = new Uint8Array(widthPx * heightPx);
  const rgba = new Uint8Array(widthPx * heightPx * 4);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++) {
      const v = (x >> 3) % 2 === 0 ? 30 + y : 220 - y;
      gray[y * widthPx + x] = v;
      rgba.set([v, v, v, 255], (y * widthPx + x) * 4);
    }
  return { bytes: jpeg.encode({ width: widthPx, height: heightPx, data: rgba }, quality).data, gray };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isVisionError(error) ? error.code : 'NOT_A_VISION_ERROR';
  }
  return 'NO_ERROR';
}

describe('decodeFrameImage', () => {
  it('decodes a JPEG to the frame size, within a few levels of jpeg-js', async () => {
    const { bytes, gray } = jpegOf(92);
    const native = await decodeFrameImage('jpeg', bytes, { widthPx: 96, heightPx: 64 }, limits);
    const js = decodeImage('jpeg', bytes, {}, limits);
    expect([native.widthPx, native.heightPx]).toEqual([96, 64]);
    let worstVsJs = 0;
    let worstVsTruth = 0;
    for (let i = 0; i < gray.length; i++) {
      worstVsJs = Math.max(worstVsJs, Math.abs(native.data[i]! - js.data[i]!));
      worstVsTruth = Math.max(worstVsTruth, Math.abs(native.data[i]! - gray[i]!));
    }
    expect(worstVsJs).toBeLessThanOrEqual(3);
    expect(worstVsTruth).toBeLessThan(25);
  });

  it('passes PNG and gray8 to decodeImage', async () => {
    const data = new Uint8Array(12).fill(7);
    const image = await decodeFrameImage('gray8', data, { widthPx: 4, heightPx: 3 }, limits);
    expect(image.data).toBe(data);
  });

  it.each([
    ['IMAGE_FORMAT_MISMATCH', () => decodeFrameImage('jpeg', new Uint8Array([1, 2, 3, 4, 5]), {}, limits)],
    ['IMAGE_DIMENSION_MISMATCH', () => decodeFrameImage('jpeg', jpegOf(90).bytes, { widthPx: 95 }, limits)],
    [
      'IMAGE_TOO_LARGE',
      () => decodeFrameImage('jpeg', jpegOf(90).bytes, {}, { maxImageWidthPx: 64, maxImageHeightPx: 4096 }),
    ],
    [
      'IMAGE_DECODE_FAILED',
      () => {
        const { bytes } = jpegOf(90);
        return decodeFrameImage('jpeg', bytes.subarray(0, Math.floor(bytes.byteLength * 0.6)), {}, limits);
      },
    ],
  ])('%s', async (code, run) => {
    expect(await codeOf(run())).toBe(code);
  });

  it('warms up without a frame', async () => {
    await expect(warmFrameImageDecoder()).resolves.toBeUndefined();
  });
});
