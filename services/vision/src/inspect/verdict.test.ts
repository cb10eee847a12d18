// Judging findings against a recipe: every label reason code, and the pass.

import { type Recipe, validateRecipe } from '@servo-edge/common/mqtt';
import { sampleRecipe } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import type { DecodedSymbol } from '../decode/barcode-decoder.js';
import { GS } from '../gs1/element-string.js';
import type { Findings } from './inspect-image.js';
import { judge, readData } from './verdict.js';

const NOW_MS = Date.UTC(2026, 5, 1);

// The sample's tolerances are the defaults: 30 px, 5 degrees, PCS 0.5.
const recipe: Recipe = validateRecipe(sampleRecipe());

const GOOD_TEXT = `0109506000134352${'17'}271130${'10'}L24A17`;

function symbol(text = GOOD_TEXT, overrides: Partial<DecodedSymbol> = {}): DecodedSymbol {
  return { symbology: 'gs1-datamatrix', text, isGs1: true, rotationDeg: 0, ...overrides };
}

function findings(
  overrides: {
    label?: Partial<Findings['label']>;
    symbol?: DecodedSymbol | null;
    printContrast?: number | null;
    printAboveNoise?: boolean;
  } = {},
): Findings {
  return {
    label: {
      present: true,
      centerXPx: 642,
      centerYPx: 478,
      angleDeg: 0.5,
      angleReliable: true,
      ...overrides.label,
    },
    symbol: overrides.symbol === undefined ? symbol() : overrides.symbol,
    printContrast: overrides.printContrast === undefined ? 0.85 : overrides.printContrast,
    ...(overrides.printAboveNoise === undefined ? {} : { printAboveNoise: overrides.printAboveNoise }),
  };
}

describe('judge', () => {
  it('passes a good label and reports what it read', () => {
    const result = judge(findings(), recipe, NOW_MS);
    expect(result.verdict).toBe('pass');
    expect(result.reasons).toEqual([]);
    expect(result.decoded).toMatchObject({ gtin: '09506000134352', lot: 'L24A17', expiry: '2027-11-30' });
    expect(result.label).toMatchObject({ present: true, offsetPx: 2.8, skewDeg: 0.5, printContrast: 0.85 });
  });

  it.each([
    [
      'NO_LABEL',
      findings({
        label: { present: false, centerXPx: undefined, centerYPx: undefined },
        symbol: null,
        printContrast: null,
      }),
    ],
    ['NO_CODE', findings({ symbol: null, printContrast: 0.02 })],
    ['WRONG_GTIN', findings({ symbol: symbol('0105901234123457172711301 0L24A17'.replace(' ', '')) })],
    ['WRONG_GTIN', findings({ symbol: symbol('17271130' + '10L24A17') })],
    ['WRONG_LOT', findings({ symbol: symbol('010950600013435217271130' + '10L24A18') })],
    ['WRONG_LOT', findings({ symbol: symbol('010950600013435217271130') })],
    ['EXPIRED', findings({ symbol: symbol('010950600013435217270629' + '10L24A17') })],
    ['EXPIRED', findings({ symbol: symbol('0109506000134352' + '10L24A17') })],
    ['BAD_CHECK_DIGIT', findings({ symbol: symbol('010950600013435317271130' + '10L24A17') })],
    ['MISPLACED', findings({ label: { centerXPx: 700 } })],
    ['SKEWED', findings({ label: { angleDeg: 7 } })],
    ['SKEWED', findings({ symbol: symbol(GOOD_TEXT, { rotationDeg: 180 }) })],
    ['LOW_CONTRAST', findings({ printContrast: 0.3 })],
  ])('%s', (reason, input) => {
    const result = judge(input, recipe, NOW_MS);
    expect(result.verdict).toBe('reject');
    expect(result.reasons).toEqual([reason]);
  });

  it('a faint unread label is NO_CODE and LOW_CONTRAST; blank paper only NO_CODE', () => {
    expect(judge(findings({ symbol: null, printContrast: 0.3 }), recipe, NOW_MS).reasons).toEqual([
      'NO_CODE',
      'LOW_CONTRAST',
    ]);
    expect(judge(findings({ symbol: null, printContrast: 0.05 }), recipe, NOW_MS).reasons).toEqual([
      'NO_CODE',
    ]);
  });

  it("a very faint print whose bars stand clear of the line's noise is LOW_CONTRAST, however low its PCS", () => {
    const faint = { symbol: null, printContrast: 0.05 };
    expect(judge(findings({ ...faint, printAboveNoise: true }), recipe, NOW_MS).reasons).toEqual([
      'NO_CODE',
      'LOW_CONTRAST',
    ]);
    expect(judge(findings({ ...faint, printAboveNoise: false }), recipe, NOW_MS).reasons).toEqual([
      'NO_CODE',
    ]);
  });

  it('reports several reasons in registry order', () => {
    const result = judge(
      findings({
        label: { centerXPx: 700, angleDeg: -20 },
        symbol: symbol('010950600013435317200101' + '10X'),
      }),
      recipe,
      NOW_MS,
    );
    expect(result.reasons).toEqual(['WRONG_LOT', 'EXPIRED', 'BAD_CHECK_DIGIT', 'MISPLACED', 'SKEWED']);
  });

  it('an expiry exactly on the minimum passes', () => {
    expect(
      judge(findings({ symbol: symbol('010950600013435217270630' + '10L24A17') }), recipe, NOW_MS).verdict,
    ).toBe('pass');
  });

  it('uses the decoder rotation when the label axis is unreliable', () => {
    expect(
      judge(
        findings({
          label: { angleReliable: false, angleDeg: 40 },
          symbol: symbol(GOOD_TEXT, { rotationDeg: 2 }),
        }),
        recipe,
        NOW_MS,
      ).verdict,
    ).toBe('pass');
    expect(
      judge(
        findings({ label: { angleReliable: false }, symbol: symbol(GOOD_TEXT, { rotationDeg: 90 }) }),
        recipe,
        NOW_MS,
      ).reasons,
    ).toEqual(['SKEWED']);
  });

  it('a code without GS1 data carries no verifiable GTIN, lot or expiry', () => {
    const result = judge(findings({ symbol: symbol(GOOD_TEXT, { isGs1: false }) }), recipe, NOW_MS);
    expect(result.decoded?.gs1Error).toBe('NOT_GS1');
    expect(result.reasons).toEqual(['WRONG_GTIN', 'WRONG_LOT', 'EXPIRED']);
  });

  it('reports a GS1 parse failure', () => {
    const result = judge(findings({ symbol: symbol('99') }), recipe, NOW_MS);
    expect(result.decoded?.gs1Error).toBe('GS1_BAD_LENGTH');
    expect(result.reasons).toEqual(['WRONG_GTIN', 'WRONG_LOT', 'EXPIRED']);
  });

  it('an EAN-13 recipe checks the GTIN only', () => {
    const ean = validateRecipe({
      ...recipe,
      gtin: '05901234123457',
      lot: undefined,
      minExpiry: undefined,
      symbology: 'ean-13',
    });
    const eanSymbol = (text: string) => symbol(text, { symbology: 'ean-13', isGs1: true });
    expect(judge(findings({ symbol: eanSymbol('5901234123457') }), ean, NOW_MS)).toMatchObject({
      verdict: 'pass',
      decoded: { gtin: '05901234123457' },
    });
    expect(judge(findings({ symbol: eanSymbol('4006381333931') }), ean, NOW_MS).reasons).toEqual([
      'WRONG_GTIN',
    ]);
  });
});

describe('readData', () => {
  it('parses GS-separated data', () => {
    expect(readData('gs1-128', `0109506000134352` + `10AB12${GS}17261231`, true, NOW_MS)).toMatchObject({
      gtin: '09506000134352',
      lot: 'AB12',
      expiry: '2026-12-31',
    });
  });
});
