import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { OeeTracker } from './oee.js';

const WINDOW_MS = 60 * 60_000;

function tracker(clock: ManualClock, idealRatePerMin = 600) {
  return new OeeTracker({
    windowMs: WINDOW_MS,
    idealRatePerMin,
    monotonicNowMs: () => clock.monotonicMs(),
    initialState: 'Stopped',
    initialMode: 'Production',
  });
}

describe('OEE', () => {
  it('is null before anything was planned or produced', () => {
    const clock = new ManualClock();
    const oee = tracker(clock);
    clock.advanceBy(10_000);
    expect(oee.snapshot()).toMatchObject({ availability: null, performance: null, quality: null, oee: null });
  });

  it('computes the three factors from states and counts (a worked example)', () => {
    const clock = new ManualClock();
    const oee = tracker(clock, 600); // ideal cycle 100 ms
    oee.observe('Idle', 'Production');
    clock.advanceBy(60_000); // 1 min planned, not running
    oee.observe('Execute', 'Production');
    // 3 min running at 480/min: 1440 products, 36 rejected.
    for (let i = 0; i < 1440; i++) {
      clock.advanceBy(125);
      oee.recordProduct(i % 40 === 0 ? 'rejected' : 'good');
    }
    oee.observe('Stopped', 'Production');
    clock.advanceBy(120_000); // Stopped: not planned, does not count
    const snap = oee.snapshot();
    expect(snap.plannedTimeMs).toBe(240_000);
    expect(snap.runTimeMs).toBe(180_000);
    expect(snap.availability).toBe(0.75);
    expect(snap.performance).toBe(0.8);
    expect(snap.products).toBe(1440);
    expect(snap.good).toBe(1404);
    expect(snap.quality).toBe(0.975);
    expect(snap.oee).toBeCloseTo(0.75 * 0.8 * 0.975, 4);
  });

  it.each(['Held', 'Suspended', 'Aborted', 'Resetting'] as const)(
    'time in %s is a loss of availability',
    (state) => {
      const clock = new ManualClock();
      const oee = tracker(clock);
      oee.observe('Execute', 'Production');
      clock.advanceBy(30_000);
      oee.observe(state, 'Production');
      clock.advanceBy(10_000);
      expect(oee.snapshot().availability).toBe(0.75);
    },
  );

  it('Manual and Maintenance time is not planned production time', () => {
    const clock = new ManualClock();
    const oee = tracker(clock);
    oee.observe('Execute', 'Production');
    clock.advanceBy(30_000);
    oee.observe('Idle', 'Manual');
    clock.advanceBy(500_000);
    oee.observe('Idle', 'Maintenance');
    clock.advanceBy(500_000);
    const snap = oee.snapshot();
    expect(snap.plannedTimeMs).toBe(30_000);
    expect(snap.availability).toBe(1);
  });

  it('forgets what is older than the window, to one bucket', () => {
    const clock = new ManualClock();
    const oee = tracker(clock);
    oee.observe('Held', 'Production');
    clock.advanceBy(WINDOW_MS); // a whole window held
    oee.observe('Execute', 'Production');
    clock.advanceBy(WINDOW_MS / 2);
    const half = oee.snapshot().availability!;
    expect(half).toBeGreaterThan(0.48);
    expect(half).toBeLessThan(0.52);
    clock.advanceBy(WINDOW_MS);
    expect(oee.snapshot().availability).toBe(1);
  });

  it('survives a gap much longer than the window without looping over it', () => {
    const clock = new ManualClock();
    const oee = tracker(clock);
    oee.observe('Execute', 'Production');
    oee.recordProduct('good');
    clock.advanceBy(1000 * WINDOW_MS);
    const snap = oee.snapshot();
    expect(snap.products).toBe(0);
    expect(snap.runTimeMs).toBeGreaterThanOrEqual(WINDOW_MS - WINDOW_MS / 60);
    expect(snap.runTimeMs).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('caps performance at 1 when the ideal rate is set below what the line does', () => {
    const clock = new ManualClock();
    const oee = tracker(clock, 60); // ideal 1 s per product
    oee.observe('Execute', 'Production');
    for (let i = 0; i < 100; i++) {
      clock.advanceBy(100);
      oee.recordProduct('good');
    }
    expect(oee.snapshot().performance).toBe(1);
  });
});
