// Trapezoid and triangle profiles: durations, peak speed and where they end (pure math).

import { describe, expect, it } from 'vitest';
import {
  firstCrossingS,
  integrate,
  type Kinematics,
  planTrapezoid,
  planVelocityRamp,
  trapezoidDurationS,
} from './profile.js';

function run(
  from: number,
  segments: ReturnType<typeof planTrapezoid>,
): Kinematics & { durationS: number; peak: number } {
  let state: Kinematics = { positionCounts: from, velocityCountsPerS: 0 };
  let durationS = 0;
  let peak = 0;
  for (const s of segments) {
    state = integrate(state, s.accelerationCountsPerS2, s.durationS);
    durationS += s.durationS;
    peak = Math.max(peak, Math.abs(state.velocityCountsPerS));
  }
  return { ...state, durationS, peak };
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
});

describe('planVelocityRamp', () => {
  it('ramps at acc then cruises forever; a ramp to 0 ends', () => {
    expect(planVelocityRamp(0, 1000, 500)).toEqual([
      { accelerationCountsPerS2: 500, durationS: 2 },
      { accelerationCountsPerS2: 0, durationS: Number.POSITIVE_INFINITY },
    ]);
    expect(planVelocityRamp(-300, 0, 100)).toEqual([{ accelerationCountsPerS2: 100, durationS: 3 }]);
  });
});

describe('firstCrossingS', () => {
  it('finds the first time a quadratic path reaches a level', () => {
    // x = 10 t, reaches 25 at 2.5 s
    expect(firstCrossingS({ positionCounts: 0, velocityCountsPerS: 10 }, 0, 25, 10)).toBeCloseTo(2.5, 12);
    // x = t^2 / 2 * 4 = 2 t^2 reaches 8 at t = 2
    expect(firstCrossingS({ positionCounts: 0, velocityCountsPerS: 0 }, 4, 8, 10)).toBeCloseTo(2, 12);
    // decelerating: x = 10 t - t^2 peaks at 25 (t = 5); 30 is never reached
    expect(firstCrossingS({ positionCounts: 0, velocityCountsPerS: 10 }, -2, 30, 100)).toBeUndefined();
    // beyond maxS
    expect(firstCrossingS({ positionCounts: 0, velocityCountsPerS: 10 }, 0, 25, 1)).toBeUndefined();
  });
});
