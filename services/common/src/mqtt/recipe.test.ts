// Recipe validation: a good recipe passes with its defaults, mistakes are refused with their code and path.

import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../config/problems.js';
import { sampleRecipe } from '../testing/sample-recipe.js';
import { checkRecipe, checkRecipePayload, validateRecipe } from './recipe.js';

const good = sampleRecipe();

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const problemsOf = (document: unknown): readonly ConfigProblem[] => {
  const result = checkRecipe(document);
  return result.ok ? [] : result.problems;
};

describe('checkRecipe', () => {
  it('accepts a recipe and fills the tolerances', () => {
    expect(validateRecipe(good).labelRegion).toEqual({
      xPx: 460,
      yPx: 360,
      widthPx: 360,
      heightPx: 240,
      positionTolerancePx: 30,
      skewToleranceDeg: 5,
      minPrintContrast: 0.5,
    });
  });

  it.each([
    ['CONFIG_UNKNOWN_KEY', { ...good, lotNumber: 'x' }, 'lotNumber'],
    ['CONFIG_UNKNOWN_KEY', { ...good, labelRegion: { ...good.labelRegion, w: 1 } }, 'labelRegion.w'],
    ['CONFIG_MISSING_KEY', { ...good, gtin: undefined }, 'gtin'],
    ['CONFIG_MISSING_KEY', { ...good, labelRegion: { xPx: 1 } }, 'labelRegion.yPx'],
    ['CONFIG_BAD_VALUE', { ...good, gtin: '9506000134352' }, 'gtin'],
    ['CONFIG_BAD_VALUE', { ...good, gtin: '09506000134353' }, 'gtin'],
    ['CONFIG_BAD_VALUE', { ...good, symbology: 'qr' }, 'symbology'],
    ['CONFIG_BAD_VALUE', { ...good, minExpiry: '2027-02-30' }, 'minExpiry'],
    ['CONFIG_BAD_VALUE', { ...good, lot: 'has space' }, 'lot'],
    ['CONFIG_CONFLICT', { ...good, symbology: 'ean-13' }, 'lot'],
    [
      'CONFIG_CONFLICT',
      { ...good, gtin: '19506000134359', lot: undefined, minExpiry: undefined, symbology: 'ean-13' },
      'gtin',
    ],
    [
      'CONFIG_OUT_OF_RANGE',
      { ...good, labelRegion: { ...good.labelRegion, skewToleranceDeg: 91 } },
      'labelRegion.skewToleranceDeg',
    ],
    [
      'CONFIG_OUT_OF_RANGE',
      { ...good, labelRegion: { ...good.labelRegion, minPrintContrast: 1.5 } },
      'labelRegion.minPrintContrast',
    ],
  ])('%s at %s', (code, document, path) => {
    expect(problemsOf(document)).toContainEqual(expect.objectContaining({ code, path }));
    expect(() => validateRecipe(document)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('checkRecipePayload', () => {
  it('parses JSON', () => {
    const result = checkRecipePayload(encode(good));
    expect(result.ok && result.value?.gtin).toBe(good.gtin);
  });
  it('treats an empty payload (cleared retained message) as no recipe', () => {
    expect(checkRecipePayload(new Uint8Array(0))).toEqual({ ok: true, value: null });
  });
  it('refuses bad JSON with CONFIG_PARSE', () => {
    for (const payload of [new TextEncoder().encode('{"gtin":'), new Uint8Array([0xff, 0xfe])]) {
      expect(checkRecipePayload(payload)).toMatchObject({ ok: false, problems: [{ code: 'CONFIG_PARSE' }] });
    }
  });
});
