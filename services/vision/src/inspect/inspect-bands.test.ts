// Linear codes are read from their deskewed band (averaged scan line, then the band's rows); DataMatrix and band-less labels from the crop.

import { validateRecipe } from '@servo-edge/common/mqtt';
import { generateLabel, type LabelSymbology } from '@servo-edge/simulator/labels';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BarcodeDecoder, DecodedSymbol } from '../decode/barcode-decoder.js';
import { createServiceDecoder } from '../decode/service-decoder.js';
import type { GrayImage } from '../image/gray-image.js';
import { inspectImage, planFromRecipe } from './inspect-image.js';
import { judge } from './verdict.js';

const NOW_MS = Date.UTC(2026, 0, 15);
/** The averaged scan line is handed over as a few identical rows; nothing else is that short. */
const PROFILE_ROWS = 8;
let real: BarcodeDecoder;

beforeAll(async () => {
  real = await createServiceDecoder();
});

/** Wraps the real decoder: records the images it is given, and may replace what it reads. */
function recording(
  replace: (image: GrayImage, reading: DecodedSymbol | null) => DecodedSymbol | null = (_i, r) => r,
): BarcodeDecoder & { heights: number[] } {
  const heights: number[] = [];
  return {
    name: 'recording',
    heights,
    async decode(image, symbology, hint) {
      heights.push(image.heightPx);
      return replace(image, await real.decode(image, symbology, hint));
    },
  };
}

async function frame(symbology: LabelSymbology, seed: number) {
  const generated = await generateLabel({ symbology, defect: 'none', seed });
  return { ...generated, recipe: validateRecipe(generated.recipe) };
}

describe('reading linear codes from their band', () => {
  it.each(['gs1-128', 'ean-13'] as const)(
    'a good %s is read from the averaged line alone',
    async (symbology) => {
      const { image, recipe } = await frame(symbology, 11);
      const decoder = recording();
      const result = judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS);
      expect(result.verdict).toBe('pass');
      expect(decoder.heights).toEqual([PROFILE_ROWS]);
    },
  );

  it('a DataMatrix goes to the crop', async () => {
    const { image, recipe } = await frame('gs1-datamatrix', 11);
    const decoder = recording();
    expect(judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS).verdict).toBe(
      'pass',
    );
    expect(decoder.heights).toHaveLength(1);
    expect(decoder.heights[0]).toBeGreaterThan(100);
  });

  it("a misread of the averaged line is overruled by the band's rows", async () => {
    const { image, recipe } = await frame('gs1-128', 12);
    // The averaged line "reads" another lot; the rows read what is printed.
    const decoder = recording((img, reading) =>
      reading && img.heightPx === PROFILE_ROWS
        ? { ...reading, text: reading.text.replace(/10[^\u001d]*$/, '10X') }
        : reading,
    );
    const result = judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS);
    expect(decoder.heights[0]).toBe(PROFILE_ROWS);
    expect(decoder.heights.length).toBe(2);
    expect(result.verdict).toBe('pass');
  });

  it('where the plain line and the rows read nothing, sharpened lines are tried before the crop', async () => {
    const { image, recipe } = await frame('gs1-128', 15);
    // The plain line (the first short image) and the band's rows "read" nothing.
    let calls = 0;
    const decoder = recording((_img, reading) => (++calls <= 2 ? null : reading));
    const result = judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS);
    expect(result.verdict).toBe('pass');
    expect(decoder.heights).toHaveLength(3);
    expect(decoder.heights[0]).toBe(PROFILE_ROWS);
    expect(decoder.heights[1]).toBeGreaterThan(PROFILE_ROWS);
    expect(decoder.heights[2]).toBe(PROFILE_ROWS);
  });

  it("a misread of the band's rows does not stop the search for the expected reading", async () => {
    const { image, recipe } = await frame('gs1-128', 16);
    // Plain line: nothing; rows: another lot; the first sharpened line: what is printed.
    let calls = 0;
    const decoder = recording((_img, reading) => {
      calls++;
      if (calls === 1) return null;
      if (calls === 2 && reading) return { ...reading, text: reading.text.replace(/10[^\u001d]*$/, '10X') };
      return reading;
    });
    const result = judge(await inspectImage(image, planFromRecipe(recipe), decoder), recipe, NOW_MS);
    expect(result.verdict).toBe('pass');
    expect(decoder.heights).toHaveLength(3);
  });

  it('when the averaged line and the rows read the same other data, no sharpened look follows', async () => {
    const { image, recipe } = await frame('gs1-128', 17);
    const wrongLot = { ...recipe, lot: 'OTHER1' };
    const decoder = recording();
    const result = judge(await inspectImage(image, planFromRecipe(wrongLot), decoder), wrongLot, NOW_MS);
    expect(result.reasons).toEqual(['WRONG_LOT']);
    expect(decoder.heights).toHaveLength(2);
  });

  it('a label that carries other data is rejected for it, whichever look read it', async () => {
    const { image, recipe } = await frame('gs1-128', 13);
    const wrongLot = { ...recipe, lot: 'OTHER1' };
    const result = judge(await inspectImage(image, planFromRecipe(wrongLot), recording()), wrongLot, NOW_MS);
    expect(result.reasons).toEqual(['WRONG_LOT']);
  });

  it.each(['gs1-128', 'ean-13'] as const)('an upside-down %s is SKEWED by half a turn', async (symbology) => {
    for (let seed = 0; seed < 60; seed++) {
      const { image, truth, recipe: json } = await generateLabel({ symbology, defect: 'rotated', seed });
      if (Math.abs(truth.placement!.angleDeg) < 90) continue;
      const recipe = validateRecipe(json);
      const result = judge(await inspectImage(image, planFromRecipe(recipe), real), recipe, NOW_MS);
      expect(result.reasons).toContain('SKEWED');
      expect(Math.abs(result.label.skewDeg!)).toBeGreaterThan(170);
      return;
    }
    throw new Error('no upside-down label among the seeds');
  });

  it('readBands: false hands the decoder the crop only', async () => {
    const { image, recipe } = await frame('ean-13', 14);
    const decoder = recording();
    await inspectImage(image, planFromRecipe(recipe), decoder, { readBands: false });
    expect(decoder.heights).toHaveLength(1);
    expect(decoder.heights[0]).toBeGreaterThan(100);
  });
});
