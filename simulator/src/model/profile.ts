// Motion profiles as lists of constant-acceleration segments: a velocity ramp for JOG and homing, a
// stop, and the kinematics that run them. Pure math in counts, seconds and counts/s(²). A MOVE's
// trapezoid is the protocol's (planTrapezoid in @servo-edge/firmware-protocol, §Commands MOVE).

import type { ProfileSegment } from '@servo-edge/firmware-protocol';

/** One constant-acceleration piece of a motion profile (a MOVE's come from planTrapezoid). */
export type Segment = ProfileSegment;

/** Kinematic state at a moment. */
export interface Kinematics {
  positionCounts: number;
  velocityCountsPerS: number;
}

/** State after `dtS` seconds of constant acceleration. */
export function integrate(state: Kinematics, accelerationCountsPerS2: number, dtS: number): Kinematics {
  return {
    positionCounts:
      state.positionCounts + state.velocityCountsPerS * dtS + 0.5 * accelerationCountsPerS2 * dtS * dtS,
    velocityCountsPerS: state.velocityCountsPerS + accelerationCountsPerS2 * dtS,
  };
}

/** Ramp from `fromVelocity` to `toVelocity` at `acc`; then cruise forever unless the target is 0. */
export function planVelocityRamp(
  fromVelocityCountsPerS: number,
  toVelocityCountsPerS: number,
  accelerationCountsPerS2: number,
): Segment[] {
  const delta = toVelocityCountsPerS - fromVelocityCountsPerS;
  const segments: Segment[] = [];
  if (delta !== 0) {
    segments.push({
      accelerationCountsPerS2: Math.sign(delta) * accelerationCountsPerS2,
      durationS: Math.abs(delta) / accelerationCountsPerS2,
    });
  }
  if (toVelocityCountsPerS !== 0)
    segments.push({ accelerationCountsPerS2: 0, durationS: Number.POSITIVE_INFINITY });
  return segments;
}

/** Where a stop at `acc` from `velocity` comes to rest, relative to where it starts. */
export function stoppingDistanceCounts(velocityCountsPerS: number, accelerationCountsPerS2: number): number {
  return (
    (Math.sign(velocityCountsPerS) * velocityCountsPerS * velocityCountsPerS) / (2 * accelerationCountsPerS2)
  );
}

/**
 * The first time t in (0, maxS] at which position + v*t + a*t²/2 equals `levelCounts`, or undefined.
 * Used to find when an axis reaches its home switch, a soft limit or its following-error bound.
 */
export function firstCrossingS(
  state: Kinematics,
  accelerationCountsPerS2: number,
  levelCounts: number,
  maxS: number,
): number | undefined {
  const c = state.positionCounts - levelCounts;
  const b = state.velocityCountsPerS;
  const a = 0.5 * accelerationCountsPerS2;
  let roots: number[];
  if (a === 0) {
    roots = b === 0 ? [] : [-c / b];
  } else {
    const disc = b * b - 4 * a * c;
    if (disc < 0) return undefined;
    const sq = Math.sqrt(disc);
    // The numerically stable pair of roots.
    const q = -0.5 * (b + (b >= 0 ? sq : -sq));
    roots = q === 0 ? [0] : [q / a, c / q];
  }
  let best: number | undefined;
  for (const t of roots) {
    if (t > 0 && t <= maxS && (best === undefined || t < best)) best = t;
  }
  return best;
}
