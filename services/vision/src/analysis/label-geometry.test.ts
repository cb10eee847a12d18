// Label finding on generated frames: presence, centre and rotation against the generator's truth.

import { validateRecipe } from '@servo-edge/common/mqtt';
import { generateLabel, LABEL_SYMBOLOGIES } from '@servo-edge/simulator/labels';
import { describe, expect, it } from 'vitest';
import { findLabel, normalizeHalfTurn } from './label-geometry.js';
import { printContrast } from './print-contrast.js';

async function frameWith(
  symbology: (typeof LABEL_SYMBOLOGIES)[number],
  defect: 'none' | 'missing' | 'rotated' | 'shifted',
  seed: number,
) {
  const generated = await generateLabel({ symbology, defect, seed });
  return { ...generated, region: validateRecipe(generated.recipe).labelRegion };
}

describe('findLabel', () => {
  it.each(LABEL_SYMBOLOGIES)('finds a good %s label within 2 px and 0.5 degree', async (symbology) => {
    for (const seed of [1, 2, 3]) {
      const { image, truth, region } = await frameWith(symbology, 'none', seed);
      const found = findLabel(image, region);
      expect(found.present).toBe(true);
      expect(Math.abs(found.centerXPx! - truth.placement!.centerXPx)).toBeLessThan(2);
      expect(Math.abs(found.centerYPx! - truth.placement!.centerYPx)).toBeLessThan(2);
      expect(found.angleReliable).toBe(true);
      expect(Math.abs(found.angleDeg! - truth.placement!.angleDeg)).toBeLessThan(0.5);
    }
  });

  it('measures a rotated label', async () => {
    for (const seed of [4, 5, 6, 7]) {
      const { image, truth, region } = await frameWith('ean-13', 'rotated', seed);
      const found = findLabel(image, region);
      expect(Math.abs(normalizeHalfTurn(found.angleDeg! - truth.placement!.angleDeg))).toBeLessThan(0.5);
    }
  });

  it('follows a shifted label', async () => {
    const { image, truth, region } = await frameWith('gs1-datamatrix', 'shifted', 8);
    const found = findLabel(image, region);
    expect(
      Math.hypot(
        found.centerXPx! - truth.placement!.centerXPx,
        found.centerYPx! - truth.placement!.centerYPx,
      ),
    ).toBeLessThan(4);
  });

  it('reports no label on a bare product', async () => {
    for (const symbology of LABEL_SYMBOLOGIES) {
      const { image, region } = await frameWith(symbology, 'missing', 9);
      expect(findLabel(image, region).present).toBe(false);
    }
  });

  it('reports no label on a uniform or tiny window', () => {
    const flat = { widthPx: 64, heightPx: 64, data: new Uint8Array(64 * 64).fill(200) };
    expect(
      findLabel(flat, { xPx: 10, yPx: 10, widthPx: 40, heightPx: 30, positionTolerancePx: 5 }).present,
    ).toBe(false);
    const tiny = { widthPx: 8, heightPx: 8, data: new Uint8Array(64) };
    expect(findLabel(tiny, { xPx: 0, yPx: 0, widthPx: 8, heightPx: 8, positionTolerancePx: 0 }).present).toBe(
      false,
    );
  });
});

describe('printContrast', () => {
  it('is (light - dark) / light over percentiles', () => {
    const data = new Uint8Array(100).fill(200);
    data.fill(50, 0, 40);
    expect(
      printContrast({ widthPx: 10, heightPx: 10, data }, [{ xPx: 0, yPx: 0, widthPx: 10, heightPx: 10 }]),
    ).toBeCloseTo(0.75);
  });
  it('is 0 with no pixels or on black', () => {
    const image = { widthPx: 4, heightPx: 4, data: new Uint8Array(16) };
    expect(printContrast(image, [])).toBe(0);
    expect(printContrast(image, [{ xPx: 0, yPx: 0, widthPx: 4, heightPx: 4 }])).toBe(0);
  });
});
