// Draws one label (paper, printed code, print defects) as a grayscale bitmap with a coverage mask.

import type { Prng } from './prng.js';
import type { GrayImage } from './types.js';

/** A label before it is placed on a frame. `alpha` is paper coverage, 0 (torn away) to 255. */
export interface LabelBitmap extends GrayImage {
  readonly alpha: Uint8Array;
}

/** How the code is printed on the label. */
export interface PrintOptions {
  paperGray: number;
  inkGray: number;
  /** Horizontal offset of the code from the label centre, px (used to print a code off the edge). */
  codeOffsetXPx?: number;
  /** Vertical offset of the code from the label centre, px. */
  codeOffsetYPx?: number;
}

/** Paper of the given size with `symbol` printed in its centre (plus `codeOffsetXPx`). */
export function printLabel(
  widthPx: number,
  heightPx: number,
  symbol: GrayImage,
  print: PrintOptions,
): { label: LabelBitmap; codeBox: { xPx: number; yPx: number; widthPx: number; heightPx: number } } {
  const data = new Uint8Array(widthPx * heightPx).fill(print.paperGray);
  const alpha = new Uint8Array(widthPx * heightPx).fill(255);
  const x0 = Math.round((widthPx - symbol.widthPx) / 2 + (print.codeOffsetXPx ?? 0));
  const y0 = Math.round((heightPx - symbol.heightPx) / 2 + (print.codeOffsetYPx ?? 0));
  const inkSpan = print.paperGray - print.inkGray;
  for (let y = 0; y < symbol.heightPx; y++) {
    const ly = y0 + y;
    if (ly < 0 || ly >= heightPx) continue;
    for (let x = 0; x < symbol.widthPx; x++) {
      const lx = x0 + x;
      // Whatever falls off the paper is simply not printed.
      if (lx < 0 || lx >= widthPx) continue;
      const v = symbol.data[y * symbol.widthPx + x]!;
      data[ly * widthPx + lx] = Math.round(print.inkGray + (inkSpan * v) / 255);
    }
  }
  return {
    label: { widthPx, heightPx, data, alpha },
    codeBox: { xPx: x0, yPx: y0, widthPx: symbol.widthPx, heightPx: symbol.heightPx },
  };
}

/** An ink smear: a soft dark ellipse over the middle of the code, wide enough to defeat error correction. */
export function smudge(
  label: LabelBitmap,
  codeBox: { xPx: number; yPx: number; widthPx: number; heightPx: number },
  prng: Prng,
): void {
  const cx = codeBox.xPx + codeBox.widthPx * prng.range(0.42, 0.58);
  const cy = codeBox.yPx + codeBox.heightPx * prng.range(0.42, 0.58);
  const rx = codeBox.widthPx * prng.range(0.3, 0.38);
  const ry = codeBox.heightPx * prng.range(0.75, 0.9);
  const smearGray = prng.range(55, 95);
  for (let y = 0; y < label.heightPx; y++) {
    for (let x = 0; x < label.widthPx; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      if (d >= 1) continue;
      // Opaque core, soft rim: a smear, not a sticker.
      const weight = d < 0.6 ? 1 : (1 - d) / 0.4;
      const i = y * label.widthPx + x;
      label.data[i] = Math.round(label.data[i]! * (1 - weight) + smearGray * weight);
    }
  }
}

/**
 * Tears the label along a jagged, roughly vertical line through the code; everything right of it
 * is gone (coverage 0), so the background shows through.
 */
export function tear(
  label: LabelBitmap,
  codeBox: { xPx: number; yPx: number; widthPx: number; heightPx: number },
  prng: Prng,
): void {
  const baseX = codeBox.xPx + codeBox.widthPx * prng.range(0.4, 0.55);
  const slope = prng.range(-0.25, 0.25);
  const midY = label.heightPx / 2;
  let jag = 0;
  for (let y = 0; y < label.heightPx; y++) {
    jag = Math.max(-8, Math.min(8, jag + prng.range(-2, 2)));
    const edgeX = baseX + slope * (y - midY) + jag;
    for (let x = Math.max(0, Math.floor(edgeX)); x < label.widthPx; x++)
      label.alpha[y * label.widthPx + x] = 0;
  }
}
