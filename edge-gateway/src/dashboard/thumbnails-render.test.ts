// Thumbnail rendering: the box filter averages, the PNG writer's output decodes, a frame renders small.

import { decodeImage, type GrayImage } from '@servo-edge/vision/image';
import { describe, expect, it } from 'vitest';
import { downscaleGray, encodeGrayPng, renderThumbnail } from './thumbnails-render.js';

const LIMITS = { maxImageWidthPx: 4096, maxImageHeightPx: 4096 };

function gradient(widthPx: number, heightPx: number): GrayImage {
  const data = new Uint8Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++) data[y * widthPx + x] = (x * 7 + y * 3) % 256;
  return { widthPx, heightPx, data };
}

describe('thumbnail rendering', () => {
  it('averages each source block', () => {
    const image = { widthPx: 4, heightPx: 2, data: Uint8Array.of(0, 100, 10, 10, 200, 100, 30, 50) };
    expect(downscaleGray(image, 2)).toEqual({ widthPx: 2, heightPx: 1, data: Uint8Array.of(100, 25) });
  });

  it('keeps the aspect ratio and never upscales', () => {
    expect(downscaleGray(gradient(1280, 960), 192)).toMatchObject({ widthPx: 192, heightPx: 144 });
    const small = gradient(100, 50);
    expect(downscaleGray(small, 192)).toBe(small);
  });

  it('writes a PNG that a decoder reads back pixel for pixel', () => {
    const image = gradient(37, 11);
    const png = encodeGrayPng(image);
    const back = decodeImage('png', png, {}, LIMITS);
    expect(back.widthPx).toBe(37);
    expect(back.heightPx).toBe(11);
    expect(Buffer.from(back.data)).toEqual(Buffer.from(image.data));
  });

  it('renders a camera PNG as a small gray PNG', () => {
    const frame = encodeGrayPng(gradient(640, 480));
    const thumb = renderThumbnail({
      format: 'png',
      image: frame,
      widthPx: 640,
      heightPx: 480,
      thumbWidthPx: 160,
    });
    expect(decodeImage('png', thumb, {}, LIMITS)).toMatchObject({ widthPx: 160, heightPx: 120 });
    expect(thumb.byteLength).toBeLessThan(frame.byteLength);
  });

  it('refuses a frame whose header lies about its size', () => {
    const frame = encodeGrayPng(gradient(64, 48));
    expect(() => renderThumbnail({ format: 'png', image: frame, widthPx: 65, thumbWidthPx: 16 })).toThrow();
  });
});
