// Conversions between an axis's user units (mm, deg, ...) and its driver's counts. Positions are offset
// by the axis's countAtZero (a hobby servo centred at 6000 quarter-µs reads 0 deg there); velocities,
// accelerations and distances are not.

/** What a position conversion needs from an axis's config. */
export interface CountScale {
  countsPerUnit: number;
  /** The count at user-unit zero; 0 when absent. */
  countAtZero?: number;
}

/** Integer counts nearest to `units` (a rate or a distance: no offset). */
export function unitsToCounts(units: number, countsPerUnit: number): number {
  return Math.round(units * countsPerUnit);
}

export function countsToUnits(counts: number, countsPerUnit: number): number {
  return counts / countsPerUnit;
}

/** A velocity or acceleration for the wire: a positive integer count rate (MOVE needs > 0). */
export function unitsToPositiveCounts(units: number, countsPerUnit: number): number {
  return Math.max(1, Math.round(Math.abs(units) * countsPerUnit));
}

/** The whole count nearest to a position in user units. */
export function positionToCounts(units: number, scale: CountScale): number {
  return Math.round((scale.countAtZero ?? 0) + units * scale.countsPerUnit);
}

/** A position in counts, in user units. */
export function countsToPosition(counts: number, scale: CountScale): number {
  return (counts - (scale.countAtZero ?? 0)) / scale.countsPerUnit;
}
