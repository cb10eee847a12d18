// Print contrast signal, PCS = (light - dark) / light, over the code or the label's interior.

import { clampRect, type GrayImage, type RectPx } from '../image/gray-image.js';

/** Percentiles stand for "paper" and "ink" so a few noisy or specular pixels do not decide. */
const DARK_PERCENTILE = 0.05;
const LIGHT_PERCENTILE = 0.95;

/** PCS over the given rectangles (they may overlap the frame edge). 0 when there are no pixels. */
export function printContrast(image: GrayImage, rects: readonly RectPx[]): number {
  const histogram = new Uint32Array(256);
  let count = 0;
  for (const rect of rects) {
    const r = clampRect(rect, image);
    for (let y = r.yPx; y < r.yPx + r.heightPx; y++) {
      const rowStart = y * image.widthPx;
      for (let x = r.xPx; x < r.xPx + r.widthPx; x++) {
        histogram[image.data[rowStart + x]!]!++;
        count++;
      }
    }
  }
  if (count === 0) return 0;
  const dark = percentile(histogram, count, DARK_PERCENTILE);
  const light = percentile(histogram, count, LIGHT_PERCENTILE);
  if (light === 0) return 0;
  return (light - dark) / light;
}

function percentile(histogram: Uint32Array, count: number, share: number): number {
  const target = share * count;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= target) return v;
  }
  return 255;
}
