import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { checkLineConfig, DEFAULT_LINE_CONFIG } from './line-config.js';
import { createVirtualLine, type LineProduct } from './virtual-line.js';

// Belt at 1000 mm/s (100 counts/mm): with a 100 mm pitch that is 10 products/s = 600/min.
const BELT_MM_PER_S = 1000;

function setup(overrides: Partial<typeof DEFAULT_LINE_CONFIG> = {}) {
  const clock = new ManualClock();
  let armCounts = 0;
  let beltRunning = true;
  let beltMm = 0;
  let lastMs = 0;
  const captures: { product: LineProduct; counts: number; atMs: number }[] = [];
  const line = createVirtualLine({
    clock,
    config: { defectRate: 0, ...overrides },
    readConveyorCounts: () => {
      if (beltRunning) beltMm += ((clock.monotonicMs() - lastMs) * BELT_MM_PER_S) / 1000;
      lastMs = clock.monotonicMs();
      return beltMm * 100;
    },
    readRejectArmCounts: () => armCounts,
    onCapture: (product, counts) => captures.push({ product, counts, atMs: clock.monotonicMs() }),
  });
  return {
    clock,
    line,
    captures,
    setArm: (counts: number) => {
      armCounts = counts;
    },
    stopBelt: () => {
      beltRunning = false;
    },
  };
}

describe('virtual line', () => {
  it('places one product per pitch of belt travel: 600/min at 1 m/s and 100 mm pitch', () => {
    const { clock, line } = setup();
    line.start();
    clock.advanceTo(60_000);
    expect(line.summary().produced).toBeGreaterThanOrEqual(600);
    expect(line.summary().produced).toBeLessThanOrEqual(601);
    line.close();
  });

  it('stops the infeed when the belt stops', () => {
    const { clock, line, stopBelt } = setup();
    line.start();
    clock.advanceTo(1000);
    const produced = line.summary().produced;
    stopBelt();
    clock.advanceTo(5000);
    expect(line.summary().produced).toBe(produced);
  });

  it('fires the camera when a product reaches the camera, latching its encoder position', () => {
    const { clock, line, captures } = setup();
    line.start();
    clock.advanceTo(400);
    // The first product is placed at the first sample (t = 2 ms, belt 2 mm); it reaches 300 mm 300 ms later.
    const first = captures[0]!;
    expect(first.product.id).toBe('P000001');
    expect(first.product.spawnBeltMm).toBe(2);
    expect(first.counts).toBe((2 + 300) * 100);
    expect(first.atMs).toBeGreaterThanOrEqual(302);
    expect(first.atMs).toBeLessThanOrEqual(302 + DEFAULT_LINE_CONFIG.sampleIntervalMs);
  });

  it('the arm pushes exactly the product in its window into the reject bin; the rest pass', () => {
    const { clock, line, setArm } = setup();
    line.start();
    // Product 1 is centred on the reject station (800 mm) at t = 800 ms.
    clock.advanceTo(790);
    setArm(5000);
    clock.advanceTo(812);
    setArm(0);
    clock.advanceTo(3000);
    expect(line.rejected.map((p) => p.id)).toEqual(['P000001']);
    expect(line.passed.map((p) => p.id).slice(0, 3)).toEqual(['P000002', 'P000003', 'P000004']);
    expect(line.summary().falseRejectIds).toEqual(['P000001']);
  });

  it('an arm that fires late lets the defective product through and counts it as missed', () => {
    const { clock, line, setArm } = setup({ defectRate: 1, defects: ['torn'] });
    line.start();
    clock.advanceTo(880); // product 1 is at 880 mm: out of the ±25 mm window
    setArm(5000);
    clock.advanceTo(882);
    setArm(0);
    clock.advanceTo(1200);
    const summary = line.summary();
    expect(summary.missedDefectIds).toContain('P000001');
    expect(line.passed[0]!.defect).toBe('torn');
  });

  it('draws defects at the configured rate, reproducibly from the seed', () => {
    const a = setup({ defectRate: 0.05, seed: 7 });
    const b = setup({ defectRate: 0.05, seed: 7 });
    for (const { clock, line } of [a, b]) {
      line.start();
      clock.advanceTo(120_000);
    }
    const defectsA = [...a.line.passed, ...a.line.onBelt].map((p) => p.defect);
    const defectsB = [...b.line.passed, ...b.line.onBelt].map((p) => p.defect);
    expect(defectsA).toEqual(defectsB);
    const share = a.line.summary().defective / a.line.summary().produced;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
  });

  it('refuses geometry that cannot work', () => {
    expect(checkLineConfig(DEFAULT_LINE_CONFIG)).toEqual([]);
    expect(checkLineConfig({ ...DEFAULT_LINE_CONFIG, rejectWindowMm: 120 })).toHaveLength(1);
    expect(checkLineConfig({ ...DEFAULT_LINE_CONFIG, cameraPositionMm: 900 })).toHaveLength(1);
    expect(() => setup({ defectRate: 2 })).toThrow(RangeError);
  });
});
