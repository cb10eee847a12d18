// Shared types of the label generator: images, symbologies, defect classes and ground truth. The recipe,
// the symbologies and the reason codes are the MQTT contract's (@servo-edge/common/mqtt): types and
// constants only, never the vision service's logic (see gs1-data.ts).

import { type ReasonCode, type Recipe, SYMBOLOGIES, type Symbology } from '@servo-edge/common/mqtt';

/** An 8-bit grayscale image, row-major, one byte per pixel (0 = black, 255 = white). */
export interface GrayImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8Array;
}

/** The symbologies a label can carry: the recipe's. */
export type LabelSymbology = Symbology;

export const LABEL_SYMBOLOGIES: readonly LabelSymbology[] = SYMBOLOGIES;

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
 * Reason codes a generated label should be rejected with: the label reasons of the contract's registry.
 * The generator writes valid image files and a recipe for each, so a frame is never unreadable, and the
 * service reasons (deadline, queue, recipe missing) say nothing about a label.
 */
export type ExpectedReason = Exclude<
  ReasonCode,
  'UNREADABLE_IMAGE' | 'DEADLINE_EXCEEDED' | 'QUEUE_FULL' | 'NO_RECIPE'
>;

/** The recipe the generator publishes on `<prefix>/recipe`, with every tolerance given. */
export type LabelRecipe = Recipe;

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
