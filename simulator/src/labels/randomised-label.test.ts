// Randomised frames: the drawn world is in the image, the truth matches it, and the splits differ as promised.

import { checkRecipe } from '@servo-edge/common/mqtt';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import {
  type ConditionRanges,
  DEVELOPMENT_CONDITIONS,
  HELD_OUT_CONDITIONS,
  SPLITS,
  TUNING_CONDITIONS,
} from './conditions.js';
import { encodeFrameImage } from './encode-image.js';
import { defectApplies } from './generate-label.js';
import { generateRandomisedLabel, randomisedSetSpecs } from './randomised-label.js';
import { type GrayImage, LABEL_DEFECTS, LABEL_SYMBOLOGIES } from './types.js';

const SEED = 4242;

/** Fixed conditions: every range collapsed to one value, to isolate one effect at a time. */
function fixed(
  overrides: Partial<Record<keyof ConditionRanges, number>> = {},
  keepRanges: ReadonlyArray<keyof ConditionRanges> = [],
): ConditionRanges {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(TUNING_CONDITIONS)) {
    if (key === 'formatShares') {
      out[key] = { gray8: 1, png: 0, jpeg: 0 };
      continue;
    }
    if (keepRanges.includes(key as keyof ConditionRanges)) {
      out[key] = value;
      continue;
    }
    const range = value as { min: number; max: number };
    const v =
      (overrides as Record<string, number>)[key] ??
      (key === 'exposureGain' ? 1 : undefined) ??
      (zeroed.has(key) ? 0 : (range.min + range.max) / 2);
    out[key] = { min: v, max: v };
  }
  return out as unknown as ConditionRanges;
}
/** Effects that are off unless a test turns them on. */
const zeroed = new Set([
  'lightingGradient',
  'vignetting',
  'defocusSigmaModules',
  'motionBlurModules',
  'sensorNoiseSigma',
  'perspective',
  'productClutter',
  'beltRibAmplitude',
  'beltBlotchAmplitude',
  'goodOffsetShare',
  'goodSkewShare',
  'codeOffsetShare',
]);

function at(image: GrayImage, x: number, y: number): number {
  return image.data[Math.round(y) * image.widthPx + Math.round(x)]!;
}

function meanOver(image: GrayImage, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += image.data[y * image.widthPx + x]!;
  return sum / ((x1 - x0) * (y1 - y0));
}

/** Largest horizontal step over a row band through the label centre. */
function maxStepX(image: GrayImage, y: number, x0: number, x1: number): number {
  let max = 0;
  for (let x = x0; x < x1; x++) max = Math.max(max, Math.abs(at(image, x + 1, y) - at(image, x, y)));
  return max;
}

describe(`generateRandomisedLabel (seed ${SEED})`, () => {
  it('is deterministic for a spec', async () => {
    const spec = {
      symbology: 'gs1-128' as const,
      defect: 'none' as const,
      seed: SEED,
      conditions: TUNING_CONDITIONS,
    };
    const a = await generateRandomisedLabel(spec);
    const b = await generateRandomisedLabel(spec);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.truth).toEqual(b.truth);
    expect(a.scene).toEqual(b.scene);
  });

  it.each(LABEL_SYMBOLOGIES)(
    'puts paper where the truth says and publishes a valid recipe (%s)',
    async (symbology) => {
      const g = await generateRandomisedLabel({ symbology, defect: 'none', seed: SEED, conditions: fixed() });
      expect(checkRecipe(g.recipe).ok).toBe(true);
      const { centerXPx, centerYPx } = g.truth.placement!;
      // Paper just inside the label's top-left corner; the box outside it.
      const corner = at(
        g.image,
        centerXPx - g.scene.labelWidthPx / 2 + 4,
        centerYPx - g.scene.labelHeightPx / 2 + 4,
      );
      expect(Math.abs(corner - g.scene.paperGray)).toBeLessThan(6);
      expect(g.recipe.labelRegion.widthPx).toBe(g.scene.labelWidthPx);
      expect(g.scene.labelWidthPx / g.scene.labelHeightPx).toBeGreaterThanOrEqual(1.19);
    },
  );

  it('draws the product above or below the belt, as it says', async () => {
    const seen = new Set<boolean>();
    for (let seed = 1; seed <= 12; seed++) {
      const g = await generateRandomisedLabel({
        symbology: 'ean-13',
        defect: 'missing',
        seed,
        conditions: fixed({}, ['productGray', 'beltGray']),
      });
      seen.add(g.scene.productAboveBelt);
      expect(g.scene.productAboveBelt).toBe(g.scene.productGray > g.scene.beltGray);
      // The frame's corner shows the belt; the centre the product.
      expect(Math.abs(at(g.image, 5, 5) - g.scene.beltGray)).toBeLessThan(4);
      // The box is shaded by up to 8 levels: a box is never perfectly flat.
      expect(Math.abs(at(g.image, 640, 480) - g.scene.productGray)).toBeLessThan(9);
    }
    expect(seen).toEqual(new Set([true, false]));
  });

  it('module size sets the width of the printed code', async () => {
    const widthAt = async (modulePx: number) => {
      const g = await generateRandomisedLabel({
        symbology: 'gs1-128',
        defect: 'none',
        seed: SEED,
        conditions: fixed({ linearModulePx: modulePx }),
      });
      return g.scene.labelWidthPx;
    };
    const narrow = await widthAt(1.7);
    const wide = await widthAt(2.6);
    // Same data, same margins: the label grows with the code.
    expect(wide - narrow).toBeGreaterThan(100);
  });

  it('defocus and motion blur lower the code edges; the truth records them', async () => {
    const make = (overrides: Partial<Record<keyof ConditionRanges, number>>) =>
      generateRandomisedLabel({
        symbology: 'ean-13',
        defect: 'none',
        seed: SEED,
        conditions: fixed({ linearModulePx: 3, ...overrides }),
      });
    const sharp = await make({});
    const defocused = await make({ defocusSigmaModules: 0.5 });
    const moved = await make({ motionBlurModules: 0.9 });
    const y = sharp.truth.placement!.centerYPx;
    const x = sharp.truth.placement!.centerXPx;
    const step = (g: typeof sharp) => maxStepX(g.image, y, Math.round(x - 100), Math.round(x + 100));
    expect(defocused.scene.defocusSigmaPx).toBeCloseTo(1.5);
    expect(moved.scene.motionBlurPx).toBeCloseTo(2.7);
    expect(step(defocused)).toBeLessThan(0.8 * step(sharp));
    expect(step(moved)).toBeLessThan(0.8 * step(sharp));
  });

  it('a lighting gradient and vignetting change brightness across the frame', async () => {
    const flat = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'missing',
      seed: SEED,
      conditions: fixed(),
    });
    const lit = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'missing',
      seed: SEED,
      conditions: fixed({ lightingGradient: 0.35 }),
    });
    const sideDiff = (g: GrayImage) => Math.abs(meanOver(g, 0, 0, 60, 960) - meanOver(g, 1220, 0, 1280, 960));
    const topDiff = (g: GrayImage) => Math.abs(meanOver(g, 0, 0, 1280, 60) - meanOver(g, 0, 900, 1280, 960));
    expect(sideDiff(lit.image) + topDiff(lit.image)).toBeGreaterThan(
      sideDiff(flat.image) + topDiff(flat.image) + 8,
    );
    const vignetted = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'missing',
      seed: SEED,
      conditions: fixed({ vignetting: 0.35 }),
    });
    expect(meanOver(vignetted.image, 0, 0, 40, 40)).toBeLessThan(0.8 * meanOver(flat.image, 0, 0, 40, 40));
  });

  it('sensor noise raises the spread of a flat patch', async () => {
    const quiet = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'missing',
      seed: SEED,
      conditions: fixed(),
    });
    const noisy = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'missing',
      seed: SEED,
      conditions: fixed({ sensorNoiseSigma: 6 }),
    });
    const spread = (g: GrayImage) => {
      const values: number[] = [];
      for (let y = 5; y < 35; y++) for (let x = 5; x < 35; x++) values.push(at(g, x, y));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    expect(spread(noisy.image)).toBeGreaterThan(spread(quiet.image) + 4);
  });

  it('a keystone moves the label in the truth as in the image', async () => {
    const square = await generateRandomisedLabel({
      symbology: 'gs1-datamatrix',
      defect: 'none',
      seed: SEED,
      conditions: fixed(),
    });
    const tilted = await generateRandomisedLabel({
      symbology: 'gs1-datamatrix',
      defect: 'none',
      seed: SEED,
      conditions: fixed({ perspective: 0.04 }),
    });
    expect(tilted.scene.perspective.px).not.toBe(0);
    const moved = Math.hypot(
      tilted.truth.placement!.centerXPx - square.truth.placement!.centerXPx,
      tilted.truth.placement!.centerYPx - square.truth.placement!.centerYPx,
    );
    expect(moved).toBeGreaterThan(0);
    const corner = (g: typeof square) =>
      at(
        g.image,
        g.truth.placement!.centerXPx - g.scene.labelWidthPx / 2 + 6,
        g.truth.placement!.centerYPx - g.scene.labelHeightPx / 2 + 6,
      );
    expect(Math.abs(corner(tilted) - tilted.scene.paperGray)).toBeLessThan(8);
  });

  it('JPEG frames decode to the frame size and differ from the pixels by compression only', async () => {
    const g = await generateRandomisedLabel({
      symbology: 'gs1-128',
      defect: 'none',
      seed: SEED,
      conditions: fixed(),
    });
    const low = jpeg.decode(encodeFrameImage(g.image, 'jpeg', 60), { useTArray: true });
    const high = jpeg.decode(encodeFrameImage(g.image, 'jpeg', 97), { useTArray: true });
    const error = (d: { data: Uint8Array }) => {
      let acc = 0;
      for (let i = 0; i < g.image.data.length; i++) acc += Math.abs(d.data[i * 4]! - g.image.data[i]!);
      return acc / g.image.data.length;
    };
    expect([low.width, low.height]).toEqual([1280, 960]);
    expect(error(high)).toBeGreaterThan(0);
    expect(error(low)).toBeGreaterThan(error(high));
    expect(error(low)).toBeLessThan(6);
  });

  it('good labels stay inside the tolerances; shifted and rotated ones leave them', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      for (const [defect, check] of [
        ['none', (off: number, skew: number, tol: number, skewTol: number) => off <= tol && skew <= skewTol],
        ['shifted', (off: number, _s: number, tol: number) => off > 1.3 * tol],
        ['rotated', (_o: number, skew: number, _t: number, skewTol: number) => skew > 1.3 * skewTol],
      ] as const) {
        const g = await generateRandomisedLabel({
          symbology: 'gs1-datamatrix',
          defect,
          seed,
          conditions: HELD_OUT_CONDITIONS,
        });
        const r = g.recipe.labelRegion;
        const p = g.truth.placement!;
        const off = Math.hypot(p.centerXPx - (r.xPx + r.widthPx / 2), p.centerYPx - (r.yPx + r.heightPx / 2));
        let skew = Math.abs(p.angleDeg % 360);
        if (skew > 180) skew = 360 - skew;
        expect(check(off, skew, r.positionTolerancePx!, r.skewToleranceDeg!), `${defect} seed ${seed}`).toBe(
          true,
        );
      }
    }
  });

  it('a low-contrast label prints below the recipe minimum; a good one well above', async () => {
    const low = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'low-contrast',
      seed: SEED,
      conditions: TUNING_CONDITIONS,
    });
    const good = await generateRandomisedLabel({
      symbology: 'ean-13',
      defect: 'none',
      seed: SEED,
      conditions: TUNING_CONDITIONS,
    });
    expect(low.truth.printContrast!).toBeLessThan(0.4);
    expect(good.truth.printContrast!).toBeGreaterThan(0.7);
    expect(low.truth.expectedReasons).toEqual(['LOW_CONTRAST']);
  });

  it('a missing label leaves a bare box and expects NO_LABEL', async () => {
    const g = await generateRandomisedLabel({
      symbology: 'gs1-128',
      defect: 'missing',
      seed: SEED,
      conditions: TUNING_CONDITIONS,
    });
    expect(g.truth.placement).toBeUndefined();
    expect(g.truth.expectedReasons).toEqual(['NO_LABEL']);
    expect(g.image.data.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(g.scene.paperGray);
  });
});

describe('randomised splits', () => {
  it('every held-out range contains the tuning range and reaches further somewhere', () => {
    let wider = 0;
    for (const [key, tuning] of Object.entries(TUNING_CONDITIONS)) {
      if (key === 'formatShares') continue;
      const t = tuning as { min: number; max: number };
      const h = HELD_OUT_CONDITIONS[key as keyof ConditionRanges] as { min: number; max: number };
      expect(h.min, key).toBeLessThanOrEqual(t.min);
      expect(h.max, key).toBeGreaterThanOrEqual(t.max);
      if (h.min < t.min || h.max > t.max) wider++;
    }
    expect(wider).toBeGreaterThan(20);
    expect(SPLITS.tuning.seed).not.toBe(SPLITS['held-out'].seed);
  });

  it('the development split is as wide as held-out, but not the same ranges, and has its own seed', () => {
    let otherEnds = 0;
    for (const [key, heldOut] of Object.entries(HELD_OUT_CONDITIONS)) {
      if (key === 'formatShares') continue;
      const h = heldOut as { min: number; max: number };
      const d = DEVELOPMENT_CONDITIONS[key as keyof ConditionRanges] as { min: number; max: number };
      expect(d.max - d.min, key).toBeGreaterThanOrEqual(h.max - h.min);
      if (d.min !== h.min || d.max !== h.max) otherEnds++;
    }
    expect(otherEnds).toBeGreaterThan(20);
    const seeds = new Set(Object.values(SPLITS).map((s) => s.seed));
    expect(seeds.size).toBe(Object.keys(SPLITS).length);
    const specs = randomisedSetSpecs({ split: 'development', count: 12 });
    expect(
      specs.every((s) => s.conditions === DEVELOPMENT_CONDITIONS && s.id?.startsWith('development-')),
    ).toBe(true);
  });

  it('a set covers every applicable defect class, is reproducible, and mixes formats', async () => {
    const specs = randomisedSetSpecs({ split: 'held-out', count: 72 });
    expect(specs).toEqual(randomisedSetSpecs({ split: 'held-out', count: 72 }));
    for (const symbology of LABEL_SYMBOLOGIES)
      for (const defect of LABEL_DEFECTS)
        if (defectApplies(symbology, defect))
          expect(
            specs.some((s) => s.symbology === symbology && s.defect === defect),
            `${symbology}/${defect}`,
          ).toBe(true);
    expect(specs.every((s) => s.conditions === HELD_OUT_CONDITIONS)).toBe(true);
    const formats = new Set<string>();
    for (const spec of specs.slice(0, 9)) formats.add((await generateRandomisedLabel(spec)).format);
    expect(formats.size).toBeGreaterThan(1);
  });
});
