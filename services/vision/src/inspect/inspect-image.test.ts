// End to end in one thread: generated labels (every defect class, every symbology) through analysis,
// zxing-wasm and the verdict; the result must match the generator's ground truth.

import { validateRecipe } from '@servo-edge/common/mqtt';
import {
  defectApplies,
  generateLabel,
  LABEL_DEFECTS,
  LABEL_SYMBOLOGIES,
  type LabelDefect,
  type LabelSymbology,
} from '@servo-edge/simulator/labels';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BarcodeDecoder } from '../decode/barcode-decoder.js';
import { createZxingJsDecoder } from '../decode/zxing-js-decoder.js';
import { createZxingWasmDecoder } from '../decode/zxing-wasm-decoder.js';
import { inspectImage, planFromRecipe } from './inspect-image.js';
import { judge } from './verdict.js';

const NOW_MS = Date.UTC(2026, 0, 15);
let decoder: BarcodeDecoder;

beforeAll(async () => {
  decoder = await createZxingWasmDecoder();
});

const cases: Array<[LabelSymbology, LabelDefect, number]> = [];
for (const symbology of LABEL_SYMBOLOGIES) {
  for (const defect of LABEL_DEFECTS) {
    if (!defectApplies(symbology, defect)) continue;
    // Two seeds per class: rotated labels include an upside-down one at seed 2 for some symbologies.
    for (const seed of [1, 2]) cases.push([symbology, defect, seed]);
  }
}

describe('inspectImage + judge on generated labels (zxing-wasm)', () => {
  it.each(cases)('%s / %s / seed %i', async (symbology, defect, seed) => {
    const {
      image,
      truth,
      recipe: recipeJson,
    } = await generateLabel({ symbology, defect, seed: seed * 7919 + 13 });
    const recipe = validateRecipe(recipeJson);
    const findings = await inspectImage(image, planFromRecipe(recipe), decoder);
    const result = judge(findings, recipe, NOW_MS);
    expect(result.verdict).toBe(truth.expectedVerdict);
    if (truth.expectedVerdict === 'pass') {
      expect(result.decoded?.gtin).toBe(truth.encoded?.gtin);
    } else {
      expect(
        result.reasons.some((r) => (truth.expectedReasons as string[]).includes(r)),
        JSON.stringify(result.reasons),
      ).toBe(true);
    }
  });

  it('detects an upside-down label', async () => {
    // Seeds chosen so the generator picks 180 degrees for the rotation.
    for (let seed = 0; seed < 40; seed++) {
      const {
        image,
        truth,
        recipe: recipeJson,
      } = await generateLabel({ symbology: 'gs1-datamatrix', defect: 'rotated', seed });
      if (Math.abs(truth.placement!.angleDeg) < 90) continue;
      const recipe = validateRecipe(recipeJson);
      const result = judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS);
      expect(result.reasons).toContain('SKEWED');
      expect(Math.abs(result.label.skewDeg!)).toBeGreaterThan(170);
      return;
    }
    throw new Error('no upside-down label among the seeds');
  });
});

describe('the @zxing/library decoder behind the same interface', () => {
  it('reads a GS1 DataMatrix and an EAN-13', async () => {
    const zxingJs = createZxingJsDecoder();
    for (const symbology of ['gs1-datamatrix', 'ean-13'] as const) {
      const {
        image,
        truth,
        recipe: recipeJson,
      } = await generateLabel({ symbology, defect: 'none', seed: 3 });
      const recipe = validateRecipe(recipeJson);
      const result = judge(await inspectImage(image, planFromRecipe(recipe), zxingJs), recipe, NOW_MS);
      expect(result.decoded?.gtin).toBe(truth.encoded?.gtin);
    }
  });
});
