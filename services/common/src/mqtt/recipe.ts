// The recipe on `<prefix>/recipe`: what the current product's label must carry and where it must sit.
// Declared once as a TypeBox schema; checked by the common config walker, so a recipe problem carries
// the same CONFIG_* code and dotted path as a config problem.

import { type Static, Type } from '@sinclair/typebox';
import { type ConfigCheck, checkConfigValue, parseConfigValue } from '../config/load.js';
import type { RawProblem } from '../config/problems.js';
import { hasValidCheckDigit } from './gtin.js';
import { type MessageRefusal, parseMessage } from './json-message.js';

export const SYMBOLOGIES = ['gs1-datamatrix', 'gs1-128', 'ean-13'] as const;
export type Symbology = (typeof SYMBOLOGIES)[number];

/** A pixel coordinate or size on the frame: an integer within the largest frame the service accepts. */
const Px = (minimum: number, description: string) => Type.Integer({ minimum, maximum: 16_384, description });

/** Every recipe key; the vision README's recipe table documents the same keys. */
export const RecipeSchema = Type.Object({
  gtin: Type.String({
    pattern: '^\\d{14}$',
    patternDoc: '14 digits',
    description: 'Expected GTIN-14 with a valid check digit (an EAN-13 with a leading 0).',
  }),
  lot: Type.Optional(
    Type.String({
      // AI (10): up to 20 characters of the GS1 AI encodable character set 82 (GenSpecs 7.11).
      pattern: '^[!"%-?A-Z_a-z]{1,20}$',
      patternDoc: '1-20 characters of GS1 character set 82',
      description: 'Expected lot (10). GS1 symbologies only; checked when present.',
    }),
  ),
  minExpiry: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
      patternDoc: 'a YYYY-MM-DD date',
      description: 'Earliest allowed expiry (17), `YYYY-MM-DD`. GS1 symbologies only; checked when present.',
    }),
  ),
  symbology: Type.Union(
    SYMBOLOGIES.map((symbology) => Type.Literal(symbology)),
    { description: 'The code to read.' },
  ),
  labelRegion: Type.Object(
    {
      xPx: Px(0, 'Left edge of the upright label, px.'),
      yPx: Px(0, 'Top edge of the upright label, px.'),
      widthPx: Px(8, 'Label width, px.'),
      heightPx: Px(8, 'Label height, px.'),
      positionTolerancePx: Type.Integer({
        minimum: 0,
        maximum: 4096,
        default: 30,
        description: 'Allowed distance of the label centre from the region centre, px.',
      }),
      skewToleranceDeg: Type.Number({
        minimum: 0,
        maximum: 90,
        default: 5,
        description: 'Allowed rotation, degrees.',
      }),
      minPrintContrast: Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description: 'Lowest print contrast signal (light - dark) / light.',
      }),
    },
    { description: 'Where the label must be, and tolerances.' },
  ),
});

/** A recipe with every default filled in. */
export type Recipe = Static<typeof RecipeSchema>;

/** What the schema cannot say: the check digit, what an EAN-13 can carry, a real calendar date. */
function recipeRules(recipe: Recipe, schemaOk: boolean): RawProblem[] {
  const problems: RawProblem[] = [];
  const bad = (segment: string, code: RawProblem['code'], message: string) =>
    problems.push({ code, segments: [segment], message });
  if (typeof recipe.gtin === 'string' && !hasValidCheckDigit(recipe.gtin)) {
    bad('gtin', 'CONFIG_BAD_VALUE', 'gtin has a wrong check digit');
  }
  if (recipe.minExpiry !== undefined && !isCalendarDate(recipe.minExpiry)) {
    bad('minExpiry', 'CONFIG_BAD_VALUE', 'minExpiry is not a calendar date');
  }
  if (schemaOk && recipe.symbology === 'ean-13') {
    // An EAN-13 carries a GTIN-13 only: a GTIN-14 that starts with 0, and no lot or expiry.
    if (!recipe.gtin.startsWith('0'))
      bad('gtin', 'CONFIG_CONFLICT', 'an ean-13 recipe needs a GTIN starting with 0');
    for (const key of ['lot', 'minExpiry'] as const) {
      if (recipe[key] !== undefined) bad(key, 'CONFIG_CONFLICT', `${key} cannot be checked on an ean-13`);
    }
  }
  return problems;
}

/** Checks a parsed recipe: the recipe with its defaults, or every problem (CONFIG_* codes, dotted paths). */
export function checkRecipe(document: unknown): ConfigCheck<Recipe> {
  return checkConfigValue(RecipeSchema, document, { check: recipeRules });
}

/** Like checkRecipe, but throws the common ConfigError (CONFIG_INVALID) carrying every problem. */
export function validateRecipe(document: unknown): Recipe {
  return parseConfigValue(RecipeSchema, document, { check: recipeRules, source: 'recipe' });
}

/** A recipe is well under 1 KiB; this bounds the work a hostile payload can cause. */
export const MAX_RECIPE_BYTES = 65_536;

/**
 * Reads the payload of `<prefix>/recipe`. An empty payload (a cleared retained message) is no recipe:
 * `{ ok: true, value: null }`. Bytes that are not UTF-8 JSON give CONFIG_PARSE.
 */
export function checkRecipePayload(payload: Uint8Array): { ok: true; value: Recipe | null } | MessageRefusal {
  if (payload.byteLength === 0) return { ok: true, value: null };
  return parseMessage(RecipeSchema, payload, MAX_RECIPE_BYTES, { check: recipeRules });
}

/** Date.parse happily rolls 2025-02-31 over into March; a real date survives a round trip. */
function isCalendarDate(isoDate: string): boolean {
  const date = new Date(`${isoDate}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === isoDate;
}
