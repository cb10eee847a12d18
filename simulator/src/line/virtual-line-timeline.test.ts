// The virtual line on the exact simulated timeline: a reject stroke that the controller starts from a
// TMOVE at the conveyor's crossing pushes the right product even when the line's own timer runs 300 ms
// late (a stalled event loop); the stroke is reported with its start error against the product's
// position in mm. Without the timeline readers the same stall makes the line miss the stroke, so the
// first test can fail.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { createSimulatedController } from '../controller.js';
import { LaggyClock } from '../test-support/laggy-clock.js';
import { attachSteppedHost } from '../test-support/stepped-host.js';
import { strokeErrorStats } from './stroke-stats.js';
import { createVirtualLine } from './virtual-line.js';

/** 100 counts/mm at 1 m/s; the stroke should start with the product 50 mm before the reject station. */
const COUNTS_PER_MM = 100;
const LEAD_MM = 50;
const REJECT_MM = 800;
const STROKE = { axis: 2, vel: 200_000, acc: 4_000_000 };

async function line(options: { timeline: boolean; lineLagMs: number }) {
  const clock = new ManualClock();
  const controller = createSimulatedController({
    id: 'line',
    axes: 2,
    pacing: false,
    clock,
    // A quick arm: 5000 counts out in 71 ms, past rejectArmOutCounts (4000) after 48 ms.
    perAxis: { 2: { amaxCountsPerS2: STROKE.acc } },
  });
  const host = attachSteppedHost(controller, clock, { maxProtocol: 2 });
  await host.hello();
  await host.call('ENABLE', { axis: 1 });
  await host.call('ENABLE', { axis: 2 });
  const virtualLine = createVirtualLine({
    clock: new LaggyClock(clock, options.lineLagMs),
    config: { defectRate: 0, strokeLeadMm: LEAD_MM, rejectPositionMm: REJECT_MM },
    readConveyorCounts: () => controller.axis(1).positionCounts,
    readRejectArmCounts: () => controller.axis(2).positionCounts,
    ...(options.timeline
      ? {
          conveyorCountsAt: (atMs: number) => controller.positionAt(1, atMs),
          rejectArmCountsAt: (atMs: number) => controller.positionAt(2, atMs),
        }
      : {}),
    onCapture: () => {},
  });
  // The first product is placed now, at belt 0 mm.
  virtualLine.sample();
  virtualLine.start();
  // 1. The stroke out fires as product 1 is 50 mm before the station; back in once it is 50 mm past.
  const out = { ...STROKE, pos: 5000, src: 1, at: (REJECT_MM - LEAD_MM) * COUNTS_PER_MM, dir: 1 } as const;
  const back = { ...STROKE, pos: 0, src: 1, at: (REJECT_MM + LEAD_MM) * COUNTS_PER_MM, dir: 1 } as const;
  expect(await host.call('TMOVE', out)).toEqual({ ok: true, fields: {} });
  expect(await host.call('TMOVE', back)).toEqual({ ok: true, fields: {} });
  // 2. The conveyor: 1 m/s after a 0.1 s ramp.
  await host.call('MOVE', { axis: 1, pos: 2_000_000, vel: 100_000, acc: 1_000_000 });
  await host.advance(2500);
  virtualLine.close();
  return { virtualLine, host };
}

describe('virtual line on the exact timeline', () => {
  it('a TMOVE stroke at the crossing rejects its product although the line samples 300 ms late', async () => {
    const { virtualLine, host } = await line({ timeline: true, lineLagMs: 300 });
    expect(virtualLine.rejected.map((p) => p.id)).toEqual(['P000001']);
    expect(virtualLine.passed.map((p) => p.id).slice(0, 3)).toEqual(['P000002', 'P000003', 'P000004']);
    // The stroke started at the crossing: the product stood exactly LEAD_MM before the station.
    expect(virtualLine.strokes).toHaveLength(1);
    const [stroke] = virtualLine.strokes;
    expect(stroke).toMatchObject({ productId: 'P000001' });
    expect(stroke!.productOffsetMm).toBeCloseTo(-LEAD_MM, 2);
    expect(stroke!.errorMm).toBeCloseTo(0, 2);
    expect(strokeErrorStats(virtualLine.strokes)).toMatchObject({ count: 1 });
    expect(strokeErrorStats(virtualLine.strokes).maxAbsMm).toBeLessThan(0.01);
    // ... and at the device time STARTED reported for it.
    const started = host.events.find((e) => e.event === 'STARTED')!;
    expect(Math.floor(stroke!.startedAtMs)).toBe((started.fields as { t: number }).t);
  });

  it('without the timeline readers the same 300 ms stall misses the stroke', async () => {
    const { virtualLine } = await line({ timeline: false, lineLagMs: 300 });
    expect(virtualLine.rejected.map((p) => p.id)).not.toContain('P000001');
  });

  it('on time either way when the line is not late', async () => {
    const { virtualLine } = await line({ timeline: false, lineLagMs: 0 });
    expect(virtualLine.rejected.map((p) => p.id)).toEqual(['P000001']);
    // Sampled every 2 ms, the start is known to a sample: within 2 mm at 1 m/s.
    expect(Math.abs(virtualLine.strokes[0]!.errorMm!)).toBeLessThanOrEqual(2);
    expect(
      strokeErrorStats([...virtualLine.strokes, { ...virtualLine.strokes[0]!, errorMm: -3 }]),
    ).toMatchObject({
      count: 2,
      maxAbsMm: 3,
      p99AbsMm: 3,
    });
  });
});
