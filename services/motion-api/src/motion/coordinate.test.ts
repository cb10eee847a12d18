// Coordinated-move planning: every axis shares one normalised profile, within its own limits.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCoordinated } from './coordinate.js';

describe('planCoordinated', () => {
  it('scales velocity and acceleration by distance so all axes take the same time', () => {
    const plan = planCoordinated([
      { distanceCounts: 10_000, velocityLimitCountsPerS: 5_000, accelerationLimitCountsPerS2: 50_000 },
      { distanceCounts: -2_000, velocityLimitCountsPerS: 5_000, accelerationLimitCountsPerS2: 50_000 },
    ]);
    expect(plan.legs).toEqual([
      { velocityCountsPerS: 5_000, accelerationCountsPerS2: 50_000 },
      { velocityCountsPerS: 1_000, accelerationCountsPerS2: 10_000 },
    ]);
    expect(plan.durationS).toBeCloseTo(trapezoidDurationS(10_000, 5_000, 50_000), 9);
  });

  it('lets the slowest axis (relative to its distance) set the pace', () => {
    const plan = planCoordinated([
      { distanceCounts: 1_000, velocityLimitCountsPerS: 100, accelerationLimitCountsPerS2: 1_000 },
      { distanceCounts: 1_000, velocityLimitCountsPerS: 10_000, accelerationLimitCountsPerS2: 100_000 },
    ]);
    expect(plan.legs[1]).toEqual({ velocityCountsPerS: 100, accelerationCountsPerS2: 1_000 });
  });

  it('sends nothing for an axis that does not move', () => {
    const plan = planCoordinated([
      { distanceCounts: 0, velocityLimitCountsPerS: 100, accelerationLimitCountsPerS2: 1_000 },
      { distanceCounts: 500, velocityLimitCountsPerS: 100, accelerationLimitCountsPerS2: 1_000 },
    ]);
    expect(plan.legs[0]).toEqual({ velocityCountsPerS: 0, accelerationCountsPerS2: 0 });
    expect(
      planCoordinated([{ distanceCounts: 0, velocityLimitCountsPerS: 1, accelerationLimitCountsPerS2: 1 }])
        .durationS,
    ).toBe(0);
  });

  it('property: never above a limit, and the analytic durations agree within rounding', () => {
    const leg = fc.record({
      distanceCounts: fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((d) => Math.abs(d) >= 1000),
      velocityLimitCountsPerS: fc.integer({ min: 1000, max: 200_000 }),
      accelerationLimitCountsPerS2: fc.integer({ min: 1000, max: 2_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(leg, { minLength: 1, maxLength: 6 }), (legs) => {
        const plan = planCoordinated(legs);
        plan.legs.forEach((p, i) => {
          const l = legs[i]!;
          expect(p.velocityCountsPerS).toBeLessThanOrEqual(l.velocityLimitCountsPerS);
          expect(p.accelerationCountsPerS2).toBeLessThanOrEqual(l.accelerationLimitCountsPerS2);
          const duration = trapezoidDurationS(
            l.distanceCounts,
            p.velocityCountsPerS,
            p.accelerationCountsPerS2,
          );
          // Whole-count rates: off by at most the relative rounding of v and a.
          const rounding = 1 / p.velocityCountsPerS + 1 / p.accelerationCountsPerS2;
          expect(Math.abs(duration - plan.durationS)).toBeLessThanOrEqual(plan.durationS * rounding + 1e-9);
        });
      }),
      { numRuns: 300 },
    );
  });
});
