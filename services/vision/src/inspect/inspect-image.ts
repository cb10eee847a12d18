// One frame's image analysis: find the label, read its code, measure print contrast. Runs in a worker.

import type { Recipe, Symbology } from '@servo-edge/common/mqtt';
import { findLabel, type LabelGeometry } from '../analysis/label-geometry.js';
import { printContrast } from '../analysis/print-contrast.js';
import type { BarcodeDecoder, DecodedSymbol, DecodeHint } from '../decode/barcode-decoder.js';
import { clampRect, crop, type GrayImage, type RectPx } from '../image/gray-image.js';
import { readData } from './verdict.js';

/** The part of a recipe the image analysis needs; plain data so it crosses the worker boundary. */
export interface InspectionPlan {
  symbology: Symbology;
  region: RectPx & { positionTolerancePx: number };
  /** The recipe's GTIN-14: a reading of another GTIN gets a second decoder's opinion. */
  gtin?: string;
}

export function planFromRecipe(recipe: Recipe): InspectionPlan {
  const { xPx, yPx, widthPx, heightPx, positionTolerancePx } = recipe.labelRegion;
  return {
    symbology: recipe.symbology,
    region: { xPx, yPx, widthPx, heightPx, positionTolerancePx },
    gtin: recipe.gtin,
  };
}

/** What the image shows, before any comparison with the recipe's data. */
export interface Findings {
  label: Omit<LabelGeometry, 'interiorCellsPx'>;
  /** The code, in frame coordinates; null when none was read (or there is no label). */
  symbol: DecodedSymbol | null;
  /** PCS over the code, or over the label interior when no code was read; null without a label. */
  printContrast: number | null;
}

/** Room around the label for the code's quiet zone when the label sits near its edge, px. */
const CROP_MARGIN_PX = 24;
/** Linear codes report only their scan lines; measure contrast over a band at least this tall, px. */
const MIN_CONTRAST_BAND_PX = 16;

export async function inspectImage(
  image: GrayImage,
  plan: InspectionPlan,
  decoder: BarcodeDecoder,
): Promise<Findings> {
  const { interiorCellsPx, ...label } = findLabel(image, plan.region);
  // No paper, no code: skip the decoder, which is the expensive part.
  if (!label.present || !label.boundsPx) return { label, symbol: null, printContrast: null };

  // Decode only around the label: a quarter of the frame or less, so the decoder has far less to scan.
  const cropRect = clampRect(
    {
      xPx: label.boundsPx.xPx - CROP_MARGIN_PX,
      yPx: label.boundsPx.yPx - CROP_MARGIN_PX,
      widthPx: label.boundsPx.widthPx + 2 * CROP_MARGIN_PX,
      heightPx: label.boundsPx.heightPx + 2 * CROP_MARGIN_PX,
    },
    image,
  );
  const found = await decoder.decode(crop(image, cropRect), plan.symbology, expectationOf(plan));
  const symbol = found ? toFrameCoordinates(found, cropRect) : null;
  const contrastRects = symbol?.corners ? [symbolBand(symbol.corners)] : (interiorCellsPx ?? []);
  return { label, symbol, printContrast: printContrast(image, contrastRects) };
}

/** A reading is the expected one when it carries the recipe's GTIN (the verdict checks the rest). */
function expectationOf(plan: InspectionPlan): DecodeHint {
  const gtin = plan.gtin;
  if (gtin === undefined) return {};
  // The reading's year window does not matter here: only the GTIN is compared.
  return { expected: (symbol) => readData(symbol.symbology, symbol.text, symbol.isGs1, 0).gtin === gtin };
}

function toFrameCoordinates(symbol: DecodedSymbol, origin: RectPx): DecodedSymbol {
  if (!symbol.corners) return symbol;
  const shift = (p: { xPx: number; yPx: number }) => ({ xPx: p.xPx + origin.xPx, yPx: p.yPx + origin.yPx });
  const [a, b, c, d] = symbol.corners;
  return { ...symbol, corners: [shift(a), shift(b), shift(c), shift(d)] };
}

/** Axis-aligned box around the corners, widened to a band for the thin boxes of linear codes. */
function symbolBand(corners: ReadonlyArray<{ xPx: number; yPx: number }>): RectPx {
  const xs = corners.map((p) => p.xPx);
  const ys = corners.map((p) => p.yPx);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  if (x1 - x0 < MIN_CONTRAST_BAND_PX) {
    const mid = (x0 + x1) / 2;
    x0 = mid - MIN_CONTRAST_BAND_PX / 2;
    x1 = mid + MIN_CONTRAST_BAND_PX / 2;
  }
  if (y1 - y0 < MIN_CONTRAST_BAND_PX) {
    const mid = (y0 + y1) / 2;
    y0 = mid - MIN_CONTRAST_BAND_PX / 2;
    y1 = mid + MIN_CONTRAST_BAND_PX / 2;
  }
  return { xPx: x0, yPx: y0, widthPx: x1 - x0 + 1, heightPx: y1 - y0 + 1 };
}
