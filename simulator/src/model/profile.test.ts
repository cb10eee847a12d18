// Velocity ramps and level crossings (pure math). The MOVE trapezoid's tests moved with it to
// firmware-protocol/src/motion/trapezoid.test.ts.

import { describe, expect, it } from 'vitest';
import { firstCrossingS, planVelocityRamp } from './profile.js';

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
