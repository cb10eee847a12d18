// The recipe: what the current product's label must carry and where it must sit, validated at receipt.

import { VisionError } from './errors.js';
import { hasValidCheckDigit } from './gs1/check-digit.js';
import { type InferFields, int, num, obj, oneOf, str, validate } from './schema.js';

export const SYMBOLOGIES = ['gs1-datamatrix', 'gs1-128', 'ean-13'] as const;
export type Symbology = (typeof SYMBOLOGIES)[number];

/** Every recipe key; the README's recipe table mirrors this. */
export const RECIPE_SCHEMA = {
  gtin: str({
    doc: 'Expected GTIN-14 with a valid check digit (an EAN-13 with a leading 0).',
    pattern: /^\d{14}$/,
    patternDoc: '14 digits',
  }),
  lot: str({
    doc: 'Expected lot (10). GS1 symbologies only; checked when present.',
    // AI (10): up to 20 characters of GS1 AI encodable character set 82.
    pattern: /^[!"%-?A-Z_a-z]{1,20}$/,
    patternDoc: '1-20 characters of GS1 character set 82',
    optional: true,
  }),
  minExpiry: str({
    doc: 'Earliest allowed expiry (17), `YYYY-MM-DD`. GS1 symbologies only; checked when present.',
    pattern: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
    patternDoc: 'a YYYY-MM-DD date',
    optional: true,
  }),
  symbology: oneOf({ doc: 'The code to read.', values: SYMBOLOGIES }),
  labelRegion: obj(
    {
      xPx: int({ doc: 'Left edge of the upright label, px.', min: 0, max: 16_384 }),
      yPx: int({ doc: 'Top edge of the upright label, px.', min: 0, max: 16_384 }),
      widthPx: int({ doc: 'Label width, px.', min: 8, max: 16_384 }),
      heightPx: int({ doc: 'Label height, px.', min: 8, max: 16_384 }),
      positionTolerancePx: int({
        doc: 'Allowed distance of the label centre from the region centre, px.',
        min: 0,
        max: 4096,
        default: 30,
      }),
      skewToleranceDeg: num({ doc: 'Allowed rotation, degrees.', min: 0, max: 90, default: 5 }),
      minPrintContrast: num({
        doc: 'Lowest print contrast signal (light - dark) / light.',
        min: 0,
        max: 1,
        default: 0.5,
      }),
    },
    { doc: 'Where the label must be, and tolerances.' },
  ),
} as const;

export type Recipe = InferFields<typeof RECIPE_SCHEMA>;

/** Validates a parsed recipe; throws a VisionError with the offending `path`. */
export function validateRecipe(document: unknown): Recipe {
  const recipe = validate(RECIPE_SCHEMA, document);
  if (!hasValidCheckDigit(recipe.gtin)) {
    throw new VisionError('INVALID_VALUE', 'gtin has a wrong check digit', { path: 'gtin' });
  }
  if (recipe.symbology === 'ean-13') {
    // An EAN-13 can only carry a GTIN-13, i.e. a GTIN-14 that starts with 0, and no lot or expiry.
    if (!recipe.gtin.startsWith('0')) {
      throw new VisionError('INVALID_VALUE', 'an ean-13 recipe needs a GTIN starting with 0', {
        path: 'gtin',
      });
    }
    for (const key of ['lot', 'minExpiry'] as const) {
      if (recipe[key] !== undefined) {
        throw new VisionError('INVALID_VALUE', `${key} cannot be checked on an ean-13`, { path: key });
      }
    }
  }
  if (recipe.minExpiry !== undefined && !isCalendarDate(recipe.minExpiry)) {
    throw new VisionError('INVALID_VALUE', 'minExpiry is not a calendar date', { path: 'minExpiry' });
  }
  return recipe;
}

/** Parses the JSON payload of `<prefix>/recipe`. An empty payload (a cleared retained message) is null. */
export function parseRecipePayload(payload: Uint8Array): Recipe | null {
  if (payload.byteLength === 0) return null;
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new VisionError('PARSE_FAILED', 'recipe is not UTF-8 JSON', { cause: error });
  }
  return validateRecipe(document);
}

/** Date.parse happily rolls 2025-02-31 over into March; a real date survives a round trip. */
function isCalendarDate(isoDate: string): boolean {
  const date = new Date(`${isoDate}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === isoDate;
}
