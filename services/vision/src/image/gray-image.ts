// The grayscale image every analysis step works on, and helpers to crop and convert it.

import { createRgbLumaKernel, type RgbLumaKernel } from './rgb-luma-simd.js';

/** 8-bit grayscale, row-major, one byte per pixel (0 = black). */
export interface GrayImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8Array;
}

/** An axis-aligned rectangle in pixels. */
export interface RectPx {
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
}

/** Clamps `rect` to the image; may return an empty rectangle. */
export function clampRect(rect: RectPx, image: { widthPx: number; heightPx: number }): RectPx {
  const x0 = Math.max(0, Math.floor(rect.xPx));
  const y0 = Math.max(0, Math.floor(rect.yPx));
  const x1 = Math.min(image.widthPx, Math.ceil(rect.xPx + rect.widthPx));
  const y1 = Math.min(image.heightPx, Math.ceil(rect.yPx + rect.heightPx));
  return { xPx: x0, yPx: y0, widthPx: Math.max(0, x1 - x0), heightPx: Math.max(0, y1 - y0) };
}

/** Copies a (clamped) rectangle out of `image`. */
export function crop(image: GrayImage, rect: RectPx): GrayImage {
  const r = clampRect(rect, image);
  const data = new Uint8Array(r.widthPx * r.heightPx);
  for (let y = 0; y < r.heightPx; y++) {
    const from = (r.yPx + y) * image.widthPx + r.xPx;
    data.set(image.data.subarray(from, from + r.widthPx), y * r.widthPx);
  }
  return { widthPx: r.widthPx, heightPx: r.heightPx, data };
}

/** Compiled on the first RGB frame; null where the engine has no WebAssembly SIMD. */
let rgbLumaKernel: RgbLumaKernel | null | undefined;

/** Luma from interleaved RGB(A) samples, Rec. 601 weights in 10-bit fixed point. */
export function lumaFromInterleaved(data: Uint8Array, pixelCount: number, channels: number): Uint8Array {
  const gray = new Uint8Array(pixelCount);
  if (channels === 1) {
    gray.set(data.subarray(0, pixelCount));
    return gray;
  }
  let converted = 0;
  if (channels === 3) {
    rgbLumaKernel ??= createRgbLumaKernel() ?? null;
    if (rgbLumaKernel) converted = rgbLumaKernel.convert(data, gray, pixelCount);
  }
  lumaPerPixel(data, channels, gray, converted, pixelCount);
  return gray;
}

/**
 * The formula one pixel at a time, for pixels [from, to): what the SIMD kernel leaves (the last
 * 15 pixels at most, or everything where the engine has no SIMD), and the benchmark's baseline.
 */
export function lumaPerPixel(
  data: Uint8Array,
  channels: number,
  gray: Uint8Array,
  from: number,
  to: number,
): void {
  for (let i = from, j = from * channels; i < to; i++, j += channels) {
    gray[i] = (306 * data[j]! + 601 * data[j + 1]! + 117 * data[j + 2]! + 512) >> 10;
  }
}

/** Bilinear sample at pixel-centre coordinates (pixel (x, y) covers [x, x+1)); clamped to the frame. */
export function sampleBilinear(frame: GrayImage, x: number, y: number): number {
  const fx0 = x - 0.5;
  const fy0 = y - 0.5;
  const xc = fx0 < 0 ? 0 : fx0 > frame.widthPx - 1.001 ? frame.widthPx - 1.001 : fx0;
  const yc = fy0 < 0 ? 0 : fy0 > frame.heightPx - 1.001 ? frame.heightPx - 1.001 : fy0;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const fx = xc - x0;
  const fy = yc - y0;
  const i = y0 * frame.widthPx + x0;
  const d = frame.data;
  return (
    (d[i]! * (1 - fx) + d[i + 1]! * fx) * (1 - fy) +
    (d[i + frame.widthPx]! * (1 - fx) + d[i + frame.widthPx + 1]! * fx) * fy
  );
}
