// One frame's image analysis: find the label, read its code, measure print contrast. Runs in a worker.

import type { Recipe, Symbology } from '@servo-edge/common/mqtt';
import { type BarProfile, barProfile, sharpenedLine } from '../analysis/bar-profile.js';
import { findLabel, type LabelGeometry } from '../analysis/label-geometry.js';
import { printContrast } from '../analysis/print-contrast.js';
import type { BarcodeDecoder, DecodedSymbol, DecodeHint } from '../decode/barcode-decoder.js';
import { clampRect, crop, type GrayImage, type RectPx } from '../image/gray-image.js';
import { readData } from './verdict.js';

/** The part of a recipe the image analysis needs; plain data so it crosses the worker boundary. */
export interface InspectionPlan {
  symbology: Symbology;
  region: RectPx & { positionTolerancePx: number };
  /** The recipe's GTIN-14, lot and earliest expiry: a reading of other data gets a second look. */
  gtin?: string;
  lot?: string;
  minExpiry?: string;
}

export function planFromRecipe(recipe: Recipe): InspectionPlan {
  const { xPx, yPx, widthPx, heightPx, positionTolerancePx } = recipe.labelRegion;
  return {
    symbology: recipe.symbology,
    region: { xPx, yPx, widthPx, heightPx, positionTolerancePx },
    gtin: recipe.gtin,
    ...(recipe.lot === undefined ? {} : { lot: recipe.lot }),
    ...(recipe.minExpiry === undefined ? {} : { minExpiry: recipe.minExpiry }),
  };
}

/** What the image shows, before any comparison with the recipe's data. */
export interface Findings {
  label: Omit<LabelGeometry, 'interiorCellsPx'>;
  /** The code, in frame coordinates; null when none was read (or there is no label). */
  symbol: DecodedSymbol | null;
  /** PCS over the code, or over the label interior when no code was read; null without a label. */
  printContrast: number | null;
  /**
   * Set when the contrast was read on a linear code's band: whether its bars stand clear of the
   * line's noise, i.e. there is print, however faint (`BarProfile.printAboveNoise`).
   */
  printAboveNoise?: boolean;
}

/** Room around the label for the code's quiet zone when the label sits near its edge, px. */
const CROP_MARGIN_PX = 24;
/**
 * Room around the bars' band for the quiet zone when the band itself is searched: 10 modules (GS1
 * GenSpecs 5.4.4.4) at up to 3 px, px.
 */
const BAND_BOX_MARGIN_PX = 32;
/**
 * Unsharp masks tried on a linear code's averaged line when the plain line and the band's rows read
 * nothing expected, as [Gaussian sigma px, amount], gentlest first. Defocus and motion blur of up to
 * about half a module, at 1.5-3 px modules, have an effective sigma of 0.8-1.6 px; each step is one
 * decode of an image 8 rows tall, about 0.3 ms.
 */
const SHARPENING_LADDER: ReadonlyArray<readonly [number, number]> = [
  [0.8, 2],
  [1.2, 1],
  [1.2, 2],
  [1.6, 1],
  [1.2, 4],
  [1.6, 2],
];
/** Linear codes report only their scan lines; measure contrast over a band at least this tall, px. */
const MIN_CONTRAST_BAND_PX = 16;

export interface InspectOptions {
  /**
   * Read linear codes from their deskewed band first (default true). False hands the decoder only
   * the crop around the label: for a decoder that reads the whole frame by itself and ignores the
   * image it is given (the benchmark's zbarimg), whose readings are in frame terms.
   */
  readBands?: boolean;
}

export async function inspectImage(
  image: GrayImage,
  plan: InspectionPlan,
  decoder: BarcodeDecoder,
  options: InspectOptions = {},
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
  const { symbol, bandPcs, printAboveNoise } = await readCode(
    image,
    label,
    cropRect,
    plan.symbology,
    decoder,
    expectationOf(plan),
    options.readBands ?? true,
  );
  // A label the frame cuts counts only with its code read: a patch of ribbed belt at the frame's
  // border can show the three sides of paper too.
  if (label.cutByFrame && !symbol) return { label: { present: false }, symbol: null, printContrast: null };
  if (bandPcs !== undefined)
    return { label, symbol, printContrast: bandPcs, printAboveNoise: !!printAboveNoise };
  const contrastRects = symbol?.corners ? [symbolBand(symbol.corners)] : (interiorCellsPx ?? []);
  return { label, symbol, printContrast: printContrast(image, contrastRects) };
}

/**
 * The code on the label. A linear code is read from its bars' band, deskewed along the label's
 * measured axis (`barProfile`): first from the band's averaged scan line, which holds where single
 * scan lines drown in noise or blur, then, where that reading is not the recipe's data (nothing read,
 * a misread, or a label that really carries other data), from the band's rows themselves, and its
 * reading is preferred: it rests on single lines that each passed the symbology's check; then the
 * averaged line sharpened, in steps; where nothing was read, the band's box on the frame. For a
 * label without a band of bars and every DataMatrix, the crop around the label is decoded.
 */
async function readCode(
  image: GrayImage,
  label: Omit<LabelGeometry, 'interiorCellsPx'>,
  cropRect: RectPx,
  symbology: Symbology,
  decoder: BarcodeDecoder,
  hint: DecodeHint,
  readBands: boolean,
): Promise<{ symbol: DecodedSymbol | null; bandPcs?: number; printAboveNoise?: boolean }> {
  const profile = symbology === 'gs1-datamatrix' || !readBands ? undefined : profileOf(image, label);
  if (!profile) {
    const found = await decoder.decode(crop(image, cropRect), symbology, hint);
    return { symbol: found ? toFrameCoordinates(found, cropRect) : null };
  }
  const bandPcs = profile.printContrast;
  const printAboveNoise = profile.printAboveNoise;
  // A plain boolean, not a type guard: a reading that is not the expected one may still be judged.
  const isExpected = (found: DecodedSymbol | null): boolean =>
    found !== null && (hint.expected?.(found) ?? true);
  // The band's images hold upright bars: rows are the only useful scan lines.
  const bandHint: DecodeHint = { ...hint, barsUpright: true };
  const averaged = await decoder.decode(profile.image, symbology, bandHint);
  if (averaged && isExpected(averaged))
    return { symbol: inFrame(averaged, profile), bandPcs, printAboveNoise };
  const rows = await decoder.decode(profile.bandImage, symbology, bandHint);
  if (rows && isExpected(rows)) return { symbol: inFrame(rows, profile), bandPcs, printAboveNoise };
  // Two looks at the band (the averaged line and the rows line by line) read the same other data:
  // that is what the label carries (a wrong lot, another product), not a misread to look past.
  if (averaged && rows && averaged.text === rows.text)
    return { symbol: inFrame(rows, profile), bandPcs, printAboveNoise };
  // The averaged line with its blur partly undone, in steps, until one reads the expected data.
  let sharpened: DecodedSymbol | null = null;
  for (const [sigmaPx, amount] of SHARPENING_LADDER) {
    const found = await decoder.decode(sharpenedLine(profile, sigmaPx, amount), symbology, bandHint);
    if (found && isExpected(found)) return { symbol: inFrame(found, profile), bandPcs, printAboveNoise };
    sharpened ??= found;
  }
  // Nothing read the expected data: the reading to judge, most trusted first (each of the rows'
  // lines passed the symbology's check on its own pixels; the plain line before a sharpened one).
  const other = rows ?? averaged ?? sharpened;
  if (other) return { symbol: inFrame(other, profile), bandPcs, printAboveNoise };
  // No look at the band read anything: the band's box on the frame, at the frame's own pixels and
  // searched in 2D (the band is resampled; an upside-down code was read here and nowhere else). The
  // box, not the whole label: on the development split (2000 frames) this search ran on 229 linear
  // labels and read no good one; over the label's crop it cost 3-12 ms a frame, the largest single
  // cost in the time per frame's tail, over the band's box about 2 ms, reading the same codes.
  const boxRect = clampRect(boxAround(profile.cornersPx, BAND_BOX_MARGIN_PX), image);
  const found = await decoder.decode(crop(image, boxRect), symbology, hint);
  return { symbol: found ? toFrameCoordinates(found, boxRect) : null, bandPcs, printAboveNoise };
}

/** The axis-aligned box around `corners`, grown by `marginPx` on every side. */
function boxAround(corners: ReadonlyArray<{ xPx: number; yPx: number }>, marginPx: number): RectPx {
  const xs = corners.map((p) => p.xPx);
  const ys = corners.map((p) => p.yPx);
  const x0 = Math.min(...xs) - marginPx;
  const y0 = Math.min(...ys) - marginPx;
  return {
    xPx: x0,
    yPx: y0,
    widthPx: Math.max(...xs) + marginPx - x0,
    heightPx: Math.max(...ys) + marginPx - y0,
  };
}

function profileOf(image: GrayImage, label: Omit<LabelGeometry, 'interiorCellsPx'>): BarProfile | undefined {
  const { centerXPx, centerYPx, axisDeg, lengthPx, breadthPx } = label;
  if (
    centerXPx === undefined ||
    centerYPx === undefined ||
    axisDeg === undefined ||
    lengthPx === undefined ||
    breadthPx === undefined
  )
    return undefined;
  return barProfile(image, { centerXPx, centerYPx, axisDeg, lengthPx, breadthPx });
}

/** A reading of the band in frame terms: its rotation on the frame, and the band's corners. */
function inFrame(found: DecodedSymbol, profile: BarProfile): DecodedSymbol {
  // The band runs left to right along scanDeg; a code read right to left is turned half a turn.
  const { corners: _bandCorners, rotationDeg = 0, ...rest } = found;
  return { ...rest, rotationDeg: profile.scanDeg + rotationDeg, corners: profile.cornersPx };
}

/**
 * A reading is the expected one when it carries the recipe's GTIN, its lot and an expiry not before
 * its minimum (the verdict checks all of it again). Only the choice between readings uses this; the
 * wall clock it reads picks the century of a two-digit year (GS1 GenSpecs 7.12), nothing else.
 */
function expectationOf(plan: InspectionPlan): DecodeHint {
  const { gtin, lot, minExpiry } = plan;
  if (gtin === undefined) return {};
  return {
    expected: (symbol) => {
      const data = readData(symbol.symbology, symbol.text, symbol.isGs1, Date.now());
      if (data.gtin !== gtin) return false;
      if (lot !== undefined && data.lot !== lot) return false;
      return minExpiry === undefined || (data.expiry !== undefined && data.expiry >= minExpiry);
    },
  };
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
