// The MOVE profile (§Commands, MOVE): trapezoid and triangle shapes end at rest on the target in the
// analytic time. Moved here with the maths from the simulator (profile.test.ts) and the gateway
// (product-tracker.test.ts).

import { describe, expect, it } from 'vitest';
import { planTrapezoid, trapezoidDurationS } from './trapezoid.js';

/** Runs the segments from rest at `from`: where they end, how long they take, the peak speed. */
function run(from: number, segments: ReturnType<typeof planTrapezoid>) {
  let positionCounts = from;
  let velocityCountsPerS = 0;
  let durationS = 0;
  let peak = 0;
  for (const s of segments) {
    positionCounts += velocityCountsPerS * s.durationS + 0.5 * s.accelerationCountsPerS2 * s.durationS ** 2;
    velocityCountsPerS += s.accelerationCountsPerS2 * s.durationS;
    durationS += s.durationS;
    peak = Math.max(peak, Math.abs(velocityCountsPerS));
  }
  return { positionCounts, velocityCountsPerS, durationS, peak };
}

describe('planTrapezoid', () => {
  it.each([
    // distance, vel, acc: trapezoid (reaches vel) and triangle (does not)
    { from: 0, to: 100_000, vel: 10_000, acc: 50_000, shape: 'trapezoid' },
    { from: 500, to: -20_000, vel: 8_000, acc: 4_000, shape: 'trapezoid' },
    { from: 0, to: 1_000, vel: 100_000, acc: 1_000_000, shape: 'triangle' },
    { from: 0, to: -7, vel: 5, acc: 2, shape: 'trapezoid' },
    { from: 0, to: 1, vel: 1_000, acc: 1, shape: 'triangle' },
  ])('$shape $from -> $to at v=$vel a=$acc ends at rest on the target in the analytic time', (c) => {
    const end = run(c.from, planTrapezoid(c.from, c.to, c.vel, c.acc));
    const d = Math.abs(c.to - c.from);
    const analyticS = d >= (c.vel * c.vel) / c.acc ? d / c.vel + c.vel / c.acc : 2 * Math.sqrt(d / c.acc);
    expect(end.positionCounts).toBeCloseTo(c.to, 6);
    expect(end.velocityCountsPerS).toBeCloseTo(0, 6);
    expect(end.durationS).toBeCloseTo(analyticS, 9);
    expect(trapezoidDurationS(c.to - c.from, c.vel, c.acc)).toBeCloseTo(analyticS, 12);
    expect(end.peak).toBeLessThanOrEqual(c.vel * (1 + 1e-12));
    if (c.shape === 'triangle') expect(end.peak).toBeLessThan(c.vel);
  });

  it('a zero-length move has no segments', () => {
    expect(planTrapezoid(42, 42, 100, 100)).toEqual([]);
  });

  it('exactly at the ramp distance (d = v²/a) the shape has no cruise', () => {
    // 100 counts at 100 counts/s and 100 counts/s²: ramp up 1 s, ramp down 1 s.
    expect(planTrapezoid(0, 100, 100, 100)).toEqual([
      { accelerationCountsPerS2: 100, durationS: 1 },
      { accelerationCountsPerS2: -100, durationS: 1 },
    ]);
  });
});

describe('trapezoidDurationS', () => {
  it('matches the analytic trapezoid and triangle profiles, in any unit', () => {
    // 90 deg at 4000 deg/s and 200000 deg/s^2: 40 deg ramping each way, so trapezoid: 90/4000 + 4000/200000.
    expect(trapezoidDurationS(90, 4000, 200_000)).toBeCloseTo(0.0425, 6);
    // 10 deg cannot reach 4000 deg/s: triangle, 2 * sqrt(10 / 200000).
    expect(trapezoidDurationS(10, 4000, 200_000)).toBeCloseTo(2 * Math.sqrt(10 / 200_000), 9);
    expect(trapezoidDurationS(-90, 4000, 200_000)).toBeCloseTo(0.0425, 6);
  });

  it('is 0 for no distance and continuous at the trapezoid/triangle boundary', () => {
    expect(trapezoidDurationS(0, 10, 10)).toBe(0);
    // d = v²/a = 1: both forms give 2v/a = 0.2 s.
    expect(trapezoidDurationS(1, 10, 100)).toBeCloseTo(0.2, 12);
    expect(trapezoidDurationS(1 - 1e-9, 10, 100)).toBeCloseTo(0.2, 6);
    expect(trapezoidDurationS(1 + 1e-9, 10, 100)).toBeCloseTo(0.2, 6);
  });
});
