// Coordinated moves: one trapezoidal profile in a normalised path coordinate s (0 -> 1), scaled
// by each axis's distance, so every axis starts together, accelerates together and arrives together.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';

export interface CoordinatedLegInput {
  distanceCounts: number;
  /** The fastest this axis may go in this move (requested or configured), counts/s. */
  velocityLimitCountsPerS: number;
  accelerationLimitCountsPerS2: number;
}

export interface CoordinatedLegPlan {
  /** 0 when the axis does not move: no MOVE is sent for it. */
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
}

export interface CoordinatedPlan {
  legs: CoordinatedLegPlan[];
  /** Analytic duration of the shared profile, s. */
  durationS: number;
}

/**
 * The path velocity V and acceleration A are the largest every axis allows: V = min(v_i/|d_i|),
 * A = min(a_i/|d_i|). Each axis then runs v_i = V|d_i|, a_i = A|d_i|, which respects its limits
 * and gives all axes the same accelerate/cruise/decelerate times. Rates are rounded to whole counts
 * (never above a limit), so an axis's duration differs from the others' by at most its rounding,
 * a relative 0.5/v_i + 0.5/a_i.
 */
export function planCoordinated(inputs: CoordinatedLegInput[]): CoordinatedPlan {
  const moving = inputs.filter((l) => l.distanceCounts !== 0);
  if (moving.length === 0) {
    return { legs: inputs.map(() => ({ velocityCountsPerS: 0, accelerationCountsPerS2: 0 })), durationS: 0 };
  }
  const pathVelocity = Math.min(...moving.map((l) => l.velocityLimitCountsPerS / Math.abs(l.distanceCounts)));
  const pathAcceleration = Math.min(
    ...moving.map((l) => l.accelerationLimitCountsPerS2 / Math.abs(l.distanceCounts)),
  );
  // Nearest whole count, but never above the axis's own limit.
  const scale = (rate: number, distance: number, limit: number) =>
    Math.max(1, Math.min(limit, Math.round(rate * Math.abs(distance))));
  return {
    legs: inputs.map((l) =>
      l.distanceCounts === 0
        ? { velocityCountsPerS: 0, accelerationCountsPerS2: 0 }
        : {
            velocityCountsPerS: scale(pathVelocity, l.distanceCounts, l.velocityLimitCountsPerS),
            accelerationCountsPerS2: scale(
              pathAcceleration,
              l.distanceCounts,
              l.accelerationLimitCountsPerS2,
            ),
          },
    ),
    durationS: trapezoidDurationS(1, pathVelocity, pathAcceleration),
  };
}
