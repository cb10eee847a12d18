// Shared types of the label generator: images, symbologies, defect classes and ground truth.

/** An 8-bit grayscale image, row-major, one byte per pixel (0 = black, 255 = white). */
export interface GrayImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8Array;
}

/** The symbologies a label can carry, named as in the vision recipe. */
export type LabelSymbology = 'gs1-datamatrix' | 'gs1-128' | 'ean-13';

export const LABEL_SYMBOLOGIES: readonly LabelSymbology[] = ['gs1-datamatrix', 'gs1-128', 'ean-13'];

/**
 * Defect classes the generator can render. `none` is a good label.
 * EAN-13 carries only a GTIN, so `wrong-lot`, `expired` and `bad-check-digit` do not apply to it.
 */
export type LabelDefect =
  | 'none'
  | 'missing'
  | 'wrong-gtin'
  | 'wrong-lot'
  | 'expired'
  | 'bad-check-digit'
  | 'low-contrast'
  | 'smudged'
  | 'rotated'
  | 'shifted'
  | 'torn'
  | 'partial';

export const LABEL_DEFECTS: readonly LabelDefect[] = [
  'none',
  'missing',
  'wrong-gtin',
  'wrong-lot',
  'expired',
  'bad-check-digit',
  'low-contrast',
  'smudged',
  'rotated',
  'shifted',
  'torn',
  'partial',
];

/**
 * Reason codes the vision service is expected to report. They mirror the vision service's registry
 * (services/vision/src/errors.ts); the simulator cannot import it without a dependency cycle, so a
 * vision test checks that this list stays a subset of that registry.
 */
export type ExpectedReason =
  | 'NO_LABEL'
  | 'NO_CODE'
  | 'WRONG_GTIN'
  | 'WRONG_LOT'
  | 'EXPIRED'
  | 'BAD_CHECK_DIGIT'
  | 'MISPLACED'
  | 'SKEWED'
  | 'LOW_CONTRAST';

/** The recipe JSON the vision service expects on `<prefix>/recipe` (see services/vision/README.md). */
export interface LabelRecipe {
  gtin: string;
  lot?: string;
  minExpiry?: string;
  symbology: LabelSymbology;
  labelRegion: {
    xPx: number;
    yPx: number;
    widthPx: number;
    heightPx: number;
    positionTolerancePx: number;
    skewToleranceDeg: number;
    minPrintContrast: number;
  };
}

/** What is printed in the code, as the generator encoded it. */
export interface EncodedData {
  /** 14-digit GTIN as encoded (an EAN-13 is stored with a leading 0). May carry a wrong check digit. */
  gtin: string;
  lot?: string;
  /** Expiry as GS1 YYMMDD. */
  expiryYymmdd?: string;
  /** The element string as given to bwip-js, in human-readable form, e.g. `(01)...(17)...(10)...`. */
  humanReadable: string;
}

/** Ground truth for one generated frame. */
export interface LabelTruth {
  id: string;
  seed: number;
  symbology: LabelSymbology;
  defect: LabelDefect;
  /** Absent when the label is missing. */
  encoded?: EncodedData;
  expectedVerdict: 'pass' | 'reject';
  /**
   * For a reject: a correct inspection reports at least one of these. Other reasons may appear too
   * (a torn label can also look misplaced), but a pass is always wrong.
   */
  expectedReasons: ExpectedReason[];
  /** Where the label was placed, in frame pixels and degrees (positive = clockwise on screen). */
  placement?: { centerXPx: number; centerYPx: number; angleDeg: number };
  /** Print contrast signal of the rendered code, (light - dark) / light. */
  printContrast?: number;
}

/** One generated frame with its truth and the recipe it should be judged against. */
export interface GeneratedLabel {
  image: GrayImage;
  truth: LabelTruth;
  recipe: LabelRecipe;
}
