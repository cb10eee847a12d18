// Duration of a point-to-point trapezoidal move: what the reject planner needs to time the arm.

/** Time to travel `distance` from rest to rest with peak velocity `velocity` and acceleration `acceleration`, in s. */
export function trapezoidDurationS(distance: number, velocity: number, acceleration: number): number {
  const d = Math.abs(distance);
  if (d === 0) return 0;
  // Triangle profile when the axis cannot reach full speed within the distance.
  if (d < (velocity * velocity) / acceleration) return 2 * Math.sqrt(d / acceleration);
  return d / velocity + velocity / acceleration;
}
