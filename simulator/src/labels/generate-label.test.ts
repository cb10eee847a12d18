// The label generator: reproducible frames, truthful ground truth, and every defect class in a set.

import { checkRecipe } from '@servo-edge/common/mqtt';
import { describe, expect, it } from 'vitest';
import { defectApplies, generateLabel, LABEL_SIZE_PX } from './generate-label.js';
import { labelSetSpecs } from './label-set.js';
import { LABEL_DEFECTS, LABEL_SYMBOLOGIES } from './types.js';

describe('generateLabel', () => {
  it('is deterministic for a seed', async () => {
    const a = await generateLabel({ symbology: 'gs1-datamatrix', defect: 'none', seed: 7 });
    const b = await generateLabel({ symbology: 'gs1-datamatrix', defect: 'none', seed: 7 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.truth).toEqual(b.truth);
  });

  it('renders a 1280x960 frame with the label where the truth says', async () => {
    const { image, truth, recipe } = await generateLabel({ symbology: 'ean-13', defect: 'none', seed: 3 });
    expect([image.widthPx, image.heightPx]).toEqual([1280, 960]);
    expect(truth.expectedVerdict).toBe('pass');
    const at = (x: number, y: number) => image.data[Math.round(y) * image.widthPx + Math.round(x)]!;
    const { centerXPx, centerYPx } = truth.placement!;
    // Label paper is bright near its corner, the product background is dark far away from it.
    const size = LABEL_SIZE_PX['ean-13'];
    expect(at(centerXPx - size.widthPx / 2 + 12, centerYPx - size.heightPx / 2 + 12)).toBeGreaterThan(200);
    expect(at(20, 20)).toBeLessThan(140);
    expect(recipe.lot).toBeUndefined();
    expect(recipe.gtin).toBe(truth.encoded!.gtin);
  });

  it.each(LABEL_SYMBOLOGIES)('publishes a recipe the MQTT contract accepts, for %s', async (symbology) => {
    const { recipe } = await generateLabel({ symbology, defect: 'none', seed: 1 });
    expect(checkRecipe(recipe)).toEqual({ ok: true, value: recipe });
  });

  it('a missing label has no encoded data and expects NO_LABEL', async () => {
    const { truth } = await generateLabel({ symbology: 'gs1-128', defect: 'missing', seed: 1 });
    expect(truth.encoded).toBeUndefined();
    expect(truth.expectedReasons).toEqual(['NO_LABEL']);
  });

  it.each([
    ['wrong-gtin', (t: { gtin: string }, r: { gtin: string }) => expect(t.gtin).not.toBe(r.gtin)],
    [
      'bad-check-digit',
      (t: { gtin: string }, r: { gtin: string }) => expect(t.gtin.slice(0, 13)).toBe(r.gtin.slice(0, 13)),
    ],
  ] as const)('%s encodes data that differs from the recipe', async (defect, check) => {
    const { truth, recipe } = await generateLabel({ symbology: 'gs1-datamatrix', defect, seed: 11 });
    check(truth.encoded!, recipe);
    expect(truth.expectedVerdict).toBe('reject');
  });

  it('an expired label carries an expiry before the recipe minimum', async () => {
    const { truth, recipe } = await generateLabel({ symbology: 'gs1-128', defect: 'expired', seed: 5 });
    const yymmdd = truth.encoded!.expiryYymmdd!;
    const iso = `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
    expect(iso < recipe.minExpiry!).toBe(true);
  });

  it('refuses GS1-only defects on EAN-13', async () => {
    await expect(generateLabel({ symbology: 'ean-13', defect: 'wrong-lot', seed: 1 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('labelSetSpecs', () => {
  it('covers every applicable defect for every symbology in a small set', () => {
    const specs = labelSetSpecs({ count: 72, seed: 1 });
    for (const symbology of LABEL_SYMBOLOGIES) {
      for (const defect of LABEL_DEFECTS) {
        if (!defectApplies(symbology, defect)) continue;
        expect(
          specs.some((s) => s.symbology === symbology && s.defect === defect),
          `${symbology}/${defect}`,
        ).toBe(true);
      }
    }
  });
  it('is reproducible and keeps ids unique', () => {
    const a = labelSetSpecs({ count: 500, seed: 9 });
    expect(a).toEqual(labelSetSpecs({ count: 500, seed: 9 }));
    expect(new Set(a.map((s) => s.id)).size).toBe(500);
  });
});
