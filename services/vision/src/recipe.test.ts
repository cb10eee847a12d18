// Recipe validation: the generator's recipes pass, mistakes are rejected with their path.

import { generateLabel, LABEL_SYMBOLOGIES } from '@servo-edge/simulator/labels';
import { describe, expect, it } from 'vitest';
import { parseRecipePayload, validateRecipe } from './recipe.js';

const good = {
  gtin: '09506000134352',
  lot: 'L24A17',
  minExpiry: '2027-06-30',
  symbology: 'gs1-datamatrix',
  labelRegion: { xPx: 460, yPx: 360, widthPx: 360, heightPx: 240 },
};

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('validateRecipe', () => {
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

  it.each(LABEL_SYMBOLOGIES)('accepts what the label generator publishes for %s', async (symbology) => {
    const { recipe } = await generateLabel({ symbology, defect: 'none', seed: 1 });
    expect(validateRecipe(recipe).symbology).toBe(symbology);
  });

  it.each([
    ['UNKNOWN_KEY', { ...good, lotNumber: 'x' }, 'lotNumber'],
    ['UNKNOWN_KEY', { ...good, labelRegion: { ...good.labelRegion, w: 1 } }, 'labelRegion.w'],
    ['MISSING_KEY', { ...good, gtin: undefined }, 'gtin'],
    ['MISSING_KEY', { ...good, labelRegion: { xPx: 1 } }, 'labelRegion.yPx'],
    ['INVALID_VALUE', { ...good, gtin: '9506000134352' }, 'gtin'],
    ['INVALID_VALUE', { ...good, gtin: '09506000134353' }, 'gtin'],
    ['INVALID_VALUE', { ...good, symbology: 'qr' }, 'symbology'],
    ['INVALID_VALUE', { ...good, minExpiry: '2027-02-30' }, 'minExpiry'],
    ['INVALID_VALUE', { ...good, lot: 'has space' }, 'lot'],
    ['INVALID_VALUE', { ...good, symbology: 'ean-13' }, 'lot'],
    [
      'INVALID_VALUE',
      { ...good, gtin: '19506000134359', lot: undefined, minExpiry: undefined, symbology: 'ean-13' },
      'gtin',
    ],
    [
      'OUT_OF_RANGE',
      { ...good, labelRegion: { ...good.labelRegion, skewToleranceDeg: 91 } },
      'labelRegion.skewToleranceDeg',
    ],
    [
      'OUT_OF_RANGE',
      { ...good, labelRegion: { ...good.labelRegion, minPrintContrast: 1.5 } },
      'labelRegion.minPrintContrast',
    ],
  ])('%s at %s', (code, document, path) => {
    expect(() => validateRecipe(document)).toThrow(expect.objectContaining({ code, path }));
  });
});

describe('parseRecipePayload', () => {
  it('parses JSON', () => {
    expect(parseRecipePayload(encode(good))?.gtin).toBe(good.gtin);
  });
  it('treats an empty payload (cleared retained message) as no recipe', () => {
    expect(parseRecipePayload(new Uint8Array(0))).toBeNull();
  });
  it('rejects bad JSON with PARSE_FAILED', () => {
    expect(() => parseRecipePayload(new TextEncoder().encode('{"gtin":'))).toThrow(
      expect.objectContaining({ code: 'PARSE_FAILED' }),
    );
    expect(() => parseRecipePayload(new Uint8Array([0xff, 0xfe]))).toThrow(
      expect.objectContaining({ code: 'PARSE_FAILED' }),
    );
  });
});
