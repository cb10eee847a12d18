// Every condition the generator draws reaches the frame: each one, moved alone from its low to its high value, changes what it names.
//
// The effect-specific tests (scene-effects.test.ts, randomised-label.test.ts) check the direction of
// each change; this one checks that no condition is drawn and then dropped, and that a condition
// added to ConditionRanges without a row here fails the suite.

import { describe, expect, it } from 'vitest';
import { type ConditionRanges, HELD_OUT_CONDITIONS, TUNING_CONDITIONS } from './conditions.js';
import { encodeFrameImage } from './encode-image.js';
import { generateRandomisedLabel, type RandomisedLabel } from './randomised-label.js';
import type { LabelDefect, LabelSymbology } from './types.js';

const SEED = 7151;

type RangeKey = Exclude<keyof ConditionRanges, 'formatShares'>;

/** Where a condition shows: the pixels, the recipe, the truth's placement, or the encoded JPEG. */
type Observable = 'image' | 'recipe' | 'placement' | 'jpeg';

interface Row {
  /** The condition's two values; by default the held-out range's ends (the widest drawn). */
  values?: [number, number];
  symbology?: LabelSymbology;
  defect?: LabelDefect;
  observe: Observable;
  /** The scene field that records the drawn value, when there is one. */
  recorded?: (g: RandomisedLabel) => number | undefined;
}

const ROWS: Record<RangeKey, Row> = {
  beltGray: { observe: 'image', recorded: (g) => g.scene.beltGray },
  beltRibAmplitude: { values: [0, 18], observe: 'image' },
  // Ribs at two periods (with an amplitude set, below, so they show).
  beltRibPeriodPx: { values: [6, 40], observe: 'image' },
  beltBlotchAmplitude: { values: [0, 22], observe: 'image' },
  productGray: { values: [50, 180], observe: 'image', recorded: (g) => g.scene.productGray },
  productClutter: { values: [0, 10], observe: 'image' },
  paperGray: { observe: 'image', recorded: (g) => g.scene.paperGray },
  inkGray: { observe: 'image', recorded: (g) => g.scene.inkGray },
  lowContrastPcs: { defect: 'low-contrast', observe: 'image' },
  linearModulePx: { symbology: 'gs1-128', observe: 'image', recorded: (g) => g.scene.modulePx },
  matrixModulePx: { symbology: 'gs1-datamatrix', observe: 'image', recorded: (g) => g.scene.modulePx },
  labelMarginPx: { observe: 'recipe' },
  codeOffsetShare: { observe: 'image' },
  positionTolerancePx: { observe: 'recipe' },
  skewToleranceDeg: { observe: 'recipe' },
  goodOffsetShare: { observe: 'placement' },
  goodSkewShare: { observe: 'placement' },
  shiftedOffsetShare: { defect: 'shifted', observe: 'placement' },
  rotatedSkewShare: { defect: 'rotated', observe: 'placement' },
  exposureGain: { observe: 'image', recorded: (g) => g.scene.exposureGain },
  lightingGradient: { values: [0, 0.35], observe: 'image', recorded: (g) => g.scene.lightingGradient },
  vignetting: { values: [0, 0.35], observe: 'image', recorded: (g) => g.scene.vignetting },
  defocusSigmaModules: { values: [0, 0.45], observe: 'image' },
  motionBlurModules: { values: [0, 0.9], observe: 'image' },
  sensorNoiseSigma: { values: [0, 6], observe: 'image', recorded: (g) => g.scene.sensorNoiseSigma },
  perspective: { values: [0, 0.04], observe: 'image', recorded: (g) => Math.abs(g.scene.perspective.px) },
  jpegQuality: { values: [60, 97], observe: 'jpeg', recorded: (g) => g.jpegQuality },
};

/** Every range collapsed to the middle of the tuning range, but `key` at `value`. */
function conditionsWith(key: RangeKey, value: number): ConditionRanges {
  const out: Record<string, unknown> = {};
  for (const [name, range] of Object.entries(TUNING_CONDITIONS)) {
    if (name === 'formatShares') continue;
    const { min, max } = range as { min: number; max: number };
    const v = name === key ? value : name === 'beltRibAmplitude' ? 10 : (min + max) / 2;
    out[name] = { min: v, max: v };
  }
  out.formatShares = key === 'jpegQuality' ? { gray8: 0, png: 0, jpeg: 1 } : { gray8: 1, png: 0, jpeg: 0 };
  return out as unknown as ConditionRanges;
}

function differs(observe: Observable, a: RandomisedLabel, b: RandomisedLabel): boolean {
  switch (observe) {
    case 'image': {
      let changed = 0;
      for (let i = 0; i < a.image.data.length; i++) if (a.image.data[i] !== b.image.data[i]) changed++;
      // More than a stray pixel: at least 0.1 % of the frame.
      return changed > a.image.data.length / 1000;
    }
    case 'recipe':
      return JSON.stringify(a.recipe) !== JSON.stringify(b.recipe);
    case 'placement':
      return JSON.stringify(a.truth.placement) !== JSON.stringify(b.truth.placement);
    case 'jpeg': {
      const ja = encodeFrameImage(a.image, a.format, a.jpegQuality);
      const jb = encodeFrameImage(b.image, b.format, b.jpegQuality);
      return a.format === 'jpeg' && ja.length !== jb.length;
    }
  }
}

describe(`each drawn condition reaches the frame (seed ${SEED})`, () => {
  it('every condition has a row here', () => {
    const keys = Object.keys(TUNING_CONDITIONS).filter((k) => k !== 'formatShares');
    expect(Object.keys(ROWS).sort()).toEqual(keys.sort());
  });

  it.each(Object.entries(ROWS) as Array<[RangeKey, Row]>)('%s', async (key, row) => {
    const [low, high] = row.values ?? [HELD_OUT_CONDITIONS[key].min, HELD_OUT_CONDITIONS[key].max];
    expect(low).not.toBe(high);
    const make = (value: number) =>
      generateRandomisedLabel({
        symbology: row.symbology ?? 'gs1-128',
        defect: row.defect ?? 'none',
        seed: SEED,
        conditions: conditionsWith(key, value),
      });
    const [a, b] = [await make(low), await make(high)];
    expect(differs(row.observe, a, b), `${key} ${low} -> ${high} changes the ${row.observe}`).toBe(true);
    if (row.recorded) {
      expect(row.recorded(a)).toBeCloseTo(low, 0);
      expect(row.recorded(b)).toBeCloseTo(high, 0);
    }
  });

  it('the format shares pick the format', async () => {
    for (const format of ['gray8', 'png', 'jpeg'] as const) {
      const conditions = {
        ...conditionsWith('beltGray', 90),
        formatShares: { gray8: 0, png: 0, jpeg: 0, [format]: 1 },
      };
      const g = await generateRandomisedLabel({
        symbology: 'ean-13',
        defect: 'none',
        seed: SEED,
        conditions,
      });
      expect(g.format).toBe(format);
      expect(g.scene.format).toBe(format);
    }
  });
});
