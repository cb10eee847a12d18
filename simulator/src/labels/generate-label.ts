// Generates one camera frame with a label (good or with one defect) and its ground truth.

import { addSensorNoise, background, type Placement, placeLabel } from './compose-frame.js';
import { encodedFor, PRODUCTS, withWrongCheckDigit } from './gs1-data.js';
import { printLabel, smudge, tear } from './label-bitmap.js';
import { createPrng, type Prng } from './prng.js';
import { renderSymbol } from './render-symbol.js';
import type {
  EncodedData,
  ExpectedReason,
  GeneratedLabel,
  LabelDefect,
  LabelRecipe,
  LabelSymbology,
  LabelTruth,
} from './types.js';

/** What to generate. The same spec always yields the same image and truth. */
export interface LabelSpec {
  symbology: LabelSymbology;
  defect: LabelDefect;
  seed: number;
  id?: string;
  /** Index into the product catalogue; picked from the seed when absent. */
  productIndex?: number;
  frameWidthPx?: number;
  frameHeightPx?: number;
}

/** Label paper size per symbology, px on a 1280x960 frame. Not square, so skew is measurable. */
export const LABEL_SIZE_PX: Record<LabelSymbology, { widthPx: number; heightPx: number }> = {
  'gs1-datamatrix': { widthPx: 360, heightPx: 240 },
  'gs1-128': { widthPx: 620, heightPx: 260 },
  'ean-13': { widthPx: 420, heightPx: 280 },
};

/** Tolerances written into every generated recipe. Good labels stay well inside them. */
export const RECIPE_TOLERANCES = {
  positionTolerancePx: 30,
  skewToleranceDeg: 5,
  minPrintContrast: 0.5,
} as const;

/** Defects that need lot/expiry/check-digit data, which an EAN-13 cannot carry. */
const GS1_ONLY_DEFECTS: ReadonlySet<LabelDefect> = new Set(['wrong-lot', 'expired', 'bad-check-digit']);

export function defectApplies(symbology: LabelSymbology, defect: LabelDefect): boolean {
  return symbology !== 'ean-13' || !GS1_ONLY_DEFECTS.has(defect);
}

export const EXPECTED_REASONS: Readonly<Record<LabelDefect, readonly ExpectedReason[]>> = {
  none: [],
  missing: ['NO_LABEL'],
  'wrong-gtin': ['WRONG_GTIN'],
  'wrong-lot': ['WRONG_LOT'],
  expired: ['EXPIRED'],
  'bad-check-digit': ['BAD_CHECK_DIGIT'],
  'low-contrast': ['LOW_CONTRAST'],
  // A smear hides the code; depending on how much ink is left it reads as unreadable or faint.
  smudged: ['NO_CODE', 'LOW_CONTRAST'],
  rotated: ['SKEWED'],
  shifted: ['MISPLACED'],
  torn: ['NO_CODE'],
  partial: ['NO_CODE'],
};

export async function generateLabel(spec: LabelSpec): Promise<GeneratedLabel> {
  if (!defectApplies(spec.symbology, spec.defect)) {
    throw new RangeError(`defect ${spec.defect} does not apply to ${spec.symbology}`);
  }
  const prng = createPrng(spec.seed);
  const frameWidthPx = spec.frameWidthPx ?? 1280;
  const frameHeightPx = spec.frameHeightPx ?? 960;
  const product = PRODUCTS[spec.productIndex ?? prng.int(0, PRODUCTS.length - 1)]!;
  const size = LABEL_SIZE_PX[spec.symbology];
  const recipe: LabelRecipe = {
    gtin: product.gtin,
    ...(spec.symbology === 'ean-13' ? {} : { lot: product.lot, minExpiry: product.minExpiry }),
    symbology: spec.symbology,
    labelRegion: {
      xPx: Math.round((frameWidthPx - size.widthPx) / 2),
      yPx: Math.round((frameHeightPx - size.heightPx) / 2),
      widthPx: size.widthPx,
      heightPx: size.heightPx,
      ...RECIPE_TOLERANCES,
    },
  };
  const truthBase = {
    id: spec.id ?? `${spec.symbology}-${spec.defect}-${spec.seed}`,
    seed: spec.seed,
    symbology: spec.symbology,
    defect: spec.defect,
    expectedVerdict: spec.defect === 'none' ? ('pass' as const) : ('reject' as const),
    expectedReasons: [...EXPECTED_REASONS[spec.defect]],
  };

  const frame = background(frameWidthPx, frameHeightPx, prng);
  if (spec.defect === 'missing') {
    addSensorNoise(frame, prng);
    return { image: frame, truth: truthBase, recipe };
  }

  const encoded = encodedData(spec, product, prng);
  const symbol = await renderSymbol(spec.symbology, encoded.humanReadable, spec.defect === 'bad-check-digit');
  const paperGray = Math.round(prng.range(222, 245));
  const inkGray = Math.round(spec.defect === 'low-contrast' ? prng.range(150, 180) : prng.range(15, 45));
  const codeOffsetXPx =
    spec.defect === 'partial'
      ? (size.widthPx - symbol.widthPx) / 2 + symbol.widthPx * prng.range(0.4, 0.55)
      : 0;
  const { label, codeBox } = printLabel(size.widthPx, size.heightPx, symbol, {
    paperGray,
    inkGray,
    codeOffsetXPx,
  });
  if (spec.defect === 'smudged') smudge(label, codeBox, prng);
  if (spec.defect === 'torn') tear(label, codeBox, prng);

  const placement = placementFor(spec.defect, recipe, prng);
  placeLabel(frame, label, placement);
  addSensorNoise(frame, prng);
  const truth: LabelTruth = {
    ...truthBase,
    encoded,
    placement,
    printContrast: Math.round(((paperGray - inkGray) / paperGray) * 1000) / 1000,
  };
  return { image: frame, truth, recipe };
}

export function encodedData(
  spec: Pick<LabelSpec, 'symbology' | 'defect'>,
  product: (typeof PRODUCTS)[number],
  prng: Prng,
): EncodedData {
  let { gtin, lot, expiryYymmdd } = product;
  switch (spec.defect) {
    case 'wrong-gtin':
      gtin = PRODUCTS[(PRODUCTS.indexOf(product) + prng.int(1, PRODUCTS.length - 1)) % PRODUCTS.length]!.gtin;
      break;
    case 'wrong-lot':
      lot = randomLot(prng, lot);
      break;
    case 'expired':
      expiryYymmdd = yymmdd(addDays(product.minExpiry, -prng.int(1, 400)));
      break;
    case 'bad-check-digit':
      gtin = withWrongCheckDigit(gtin);
      break;
    default:
      break;
  }
  return encodedFor(spec.symbology, { gtin, lot, expiryYymmdd });
}

function placementFor(defect: LabelDefect, recipe: LabelRecipe, prng: Prng): Placement {
  const region = recipe.labelRegion;
  const centerXPx = region.xPx + region.widthPx / 2;
  const centerYPx = region.yPx + region.heightPx / 2;
  if (defect === 'shifted') {
    const distancePx = prng.range(70, 150);
    const direction = prng.range(0, 2 * Math.PI);
    return {
      centerXPx: centerXPx + distancePx * Math.cos(direction),
      centerYPx: centerYPx + distancePx * Math.sin(direction),
      angleDeg: prng.range(-1.5, 1.5),
    };
  }
  // Good labels wander a little: well inside the 30 px / 5 degree tolerances.
  const jittered = {
    centerXPx: centerXPx + prng.range(-8, 8),
    centerYPx: centerYPx + prng.range(-8, 8),
    angleDeg: prng.range(-1.5, 1.5),
  };
  if (defect !== 'rotated') return jittered;
  // One rotated label in five is upside down; the rest are visibly skewed.
  const angleDeg = prng.next() < 0.2 ? 180 + prng.range(-1.5, 1.5) : prng.sign() * prng.range(12, 35);
  return { ...jittered, angleDeg };
}

function randomLot(prng: Prng, avoid: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  for (;;) {
    let lot = '';
    for (let i = 0; i < 6; i++) lot += prng.pick([...alphabet]);
    if (lot !== avoid) return lot;
  }
}

function addDays(isoDate: string, days: number): Date {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date;
}

function yymmdd(date: Date): string {
  const yy = String(date.getUTCFullYear() % 100).padStart(2, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  return yy + mm + dd;
}
