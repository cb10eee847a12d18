// Places a label on a camera frame: product background, rotation, position and sensor noise.

import type { LabelBitmap } from './label-bitmap.js';
import type { Prng } from './prng.js';
import type { GrayImage } from './types.js';

export interface Placement {
  centerXPx: number;
  centerYPx: number;
  /** Rotation of the label on screen, degrees, positive = clockwise (image y points down). */
  angleDeg: number;
}

/** A product surface: dark-to-mid gray with a gentle gradient (noise is added after placement). */
export function background(widthPx: number, heightPx: number, prng: Prng): GrayImage {
  const data = new Uint8Array(widthPx * heightPx);
  const base = prng.range(60, 110);
  const gradX = prng.range(-20, 20) / widthPx;
  const gradY = prng.range(-20, 20) / heightPx;
  for (let y = 0; y < heightPx; y++) {
    const rowBase = base + gradY * y;
    for (let x = 0; x < widthPx; x++) data[y * widthPx + x] = Math.round(rowBase + gradX * x);
  }
  return { widthPx, heightPx, data };
}

/** Draws `label` onto `frame` in place, bilinear-sampled so edges and modules are anti-aliased. */
export function placeLabel(
  frame: { widthPx: number; heightPx: number; data: Uint8Array | Float32Array },
  label: LabelBitmap,
  placement: Placement,
): void {
  const angle = (placement.angleDeg * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const halfW = label.widthPx / 2;
  const halfH = label.heightPx / 2;
  // Bounding box of the rotated label on the frame.
  const extentX = Math.abs(cos) * halfW + Math.abs(sin) * halfH + 2;
  const extentY = Math.abs(sin) * halfW + Math.abs(cos) * halfH + 2;
  const xMin = Math.max(0, Math.floor(placement.centerXPx - extentX));
  const xMax = Math.min(frame.widthPx - 1, Math.ceil(placement.centerXPx + extentX));
  const yMin = Math.max(0, Math.floor(placement.centerYPx - extentY));
  const yMax = Math.min(frame.heightPx - 1, Math.ceil(placement.centerYPx + extentY));
  for (let y = yMin; y <= yMax; y++) {
    for (let x = xMin; x <= xMax; x++) {
      const dx = x + 0.5 - placement.centerXPx;
      const dy = y + 0.5 - placement.centerYPx;
      // Inverse rotation: frame pixel -> label coordinates.
      const lx = cos * dx + sin * dy + halfW - 0.5;
      const ly = -sin * dx + cos * dy + halfH - 0.5;
      if (lx <= -1 || ly <= -1 || lx >= label.widthPx || ly >= label.heightPx) continue;
      const sample = bilinear(label, lx, ly);
      if (sample.alpha <= 0) continue;
      const i = y * frame.widthPx + x;
      frame.data[i] = Math.round(frame.data[i]! * (1 - sample.alpha) + sample.gray * sample.alpha);
    }
  }
}

function bilinear(label: LabelBitmap, lx: number, ly: number): { gray: number; alpha: number } {
  const x0 = Math.floor(lx);
  const y0 = Math.floor(ly);
  const fx = lx - x0;
  const fy = ly - y0;
  let gray = 0;
  let alpha = 0;
  for (let k = 0; k < 4; k++) {
    const x = x0 + (k & 1);
    const y = y0 + (k >> 1);
    const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
    if (w === 0 || x < 0 || y < 0 || x >= label.widthPx || y >= label.heightPx) continue;
    const i = y * label.widthPx + x;
    const a = (label.alpha[i]! / 255) * w;
    gray += label.data[i]! * a;
    alpha += a;
  }
  // Gray is premultiplied by coverage; un-premultiply so a torn edge does not darken the paper.
  return { gray: alpha > 0 ? gray / alpha : 0, alpha };
}

/** Adds mild sensor noise over the whole frame after the label is placed. */
export function addSensorNoise(frame: GrayImage, prng: Prng, amplitude = 3): void {
  let noise = prng.int(1, 0x7fffffff);
  const span = amplitude * 2 + 1;
  for (let i = 0; i < frame.data.length; i++) {
    noise ^= noise << 13;
    noise ^= noise >>> 17;
    noise ^= noise << 5;
    const v = frame.data[i]! + ((noise >>> 0) % span) - amplitude;
    frame.data[i] = Math.max(0, Math.min(255, v));
  }
}
