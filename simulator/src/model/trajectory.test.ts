// The trajectory behind positionAt: each knot's constant-acceleration piece until the next, knots at or
// after a new one replaced, and a bounded history that still covers every instant inside it.

import { describe, expect, it } from 'vitest';
import { Trajectory } from './trajectory.js';

describe('Trajectory', () => {
  it('evaluates the piece that holds at an instant, and nothing before the first knot', () => {
    const t = new Trajectory();
    t.record({ atMs: 0, positionCounts: 0, velocityCountsPerS: 0, accelerationCountsPerS2: 1000 });
    t.record({ atMs: 1000, positionCounts: 500, velocityCountsPerS: 1000, accelerationCountsPerS2: 0 });
    expect(t.positionAt(-1)).toBeUndefined();
    expect(t.positionAt(500)).toBeCloseTo(125, 9); // ½·1000·0.5²
    expect(t.positionAt(1000)).toBe(500);
    expect(t.positionAt(1500)).toBeCloseTo(1000, 9);
  });

  it('a knot at or before the last ones rewrites the history from its instant', () => {
    const t = new Trajectory();
    t.record({ atMs: 0, positionCounts: 0, velocityCountsPerS: 0, accelerationCountsPerS2: 0 });
    t.record({ atMs: 10, positionCounts: 0, velocityCountsPerS: 0, accelerationCountsPerS2: 0 });
    t.record({ atMs: 20, positionCounts: 0, velocityCountsPerS: 0, accelerationCountsPerS2: 0 });
    t.record({ atMs: 5, positionCounts: 0, velocityCountsPerS: 100, accelerationCountsPerS2: 0 });
    expect(t.positionAt(25)).toBeCloseTo(2, 9); // 100 counts/s from 5 ms on
  });

  it('keeps the last historyMs, and one knot at or before the horizon', () => {
    const t = new Trajectory(100);
    for (let atMs = 0; atMs <= 1000; atMs += 10) {
      t.record({ atMs, positionCounts: atMs, velocityCountsPerS: 1000, accelerationCountsPerS2: 0 });
    }
    expect(t.positionAt(895)).toBeUndefined();
    expect(t.positionAt(900)).toBe(900);
    expect(t.positionAt(905)).toBeCloseTo(905, 9);
  });
});
