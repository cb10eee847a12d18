// The trapezoidal profile of a MOVE (PROTOCOL.md §Commands: "Each MOVE runs a trapezoidal profile from
// rest to rest"): accelerate at `acc` to `vel`, cruise, decelerate at `acc` onto `pos`; a move too short
// to reach `vel` is a triangle. Pure maths, in one place for the three that need it: the simulator runs
// the profile, the motion API plans coordinated moves with it, the gateway times the reject arm by it.

/** One constant-acceleration piece of a profile. */
export interface ProfileSegment {
  /** Acceleration during the segment, counts/s² (signed). */
  accelerationCountsPerS2: number;
  /** Duration in seconds; Infinity for a cruise that runs until something ends it. */
  durationS: number;
}

/**
 * The segments of a MOVE from `fromCounts` to `toCounts` (§Commands, MOVE): accelerate at `acc` to
 * `vel`, cruise, decelerate. If the distance is too short to reach `vel` (d < vel²/acc) the profile is
 * a triangle peaking at sqrt(acc * d). A zero-length move has no segments.
 */
export function planTrapezoid(
  fromCounts: number,
  toCounts: number,
  velocityCountsPerS: number,
  accelerationCountsPerS2: number,
): ProfileSegment[] {
  const distance = Math.abs(toCounts - fromCounts);
  if (distance === 0) return [];
  const sign = Math.sign(toCounts - fromCounts);
  const a = accelerationCountsPerS2;
  const v = velocityCountsPerS;
  const rampDistance = (v * v) / a;
  if (distance >= rampDistance) {
    const rampS = v / a;
    const cruiseS = (distance - rampDistance) / v;
    return [
      { accelerationCountsPerS2: sign * a, durationS: rampS },
      { accelerationCountsPerS2: 0, durationS: cruiseS },
      { accelerationCountsPerS2: -sign * a, durationS: rampS },
    ].filter((s) => s.durationS > 0);
  }
  const rampS = Math.sqrt(distance / a);
  return [
    { accelerationCountsPerS2: sign * a, durationS: rampS },
    { accelerationCountsPerS2: -sign * a, durationS: rampS },
  ];
}

/**
 * The duration of planTrapezoid's profile, in seconds: d/v + v/a, or 2·sqrt(d/a) for a triangle.
 * Any length unit u works (counts, mm, degrees, a normalised path coordinate): `distance` in u (its
 * sign is ignored), `velocity` in u/s, `acceleration` in u/s². 0 for a zero distance.
 */
export function trapezoidDurationS(
  distance: number,
  velocityPerS: number,
  accelerationPerS2: number,
): number {
  const d = Math.abs(distance);
  if (d === 0) return 0;
  const v = velocityPerS;
  const a = accelerationPerS2;
  // At d = v²/a both forms give 2v/a, so the boundary belongs to either.
  return d >= (v * v) / a ? d / v + v / a : 2 * Math.sqrt(d / a);
}
