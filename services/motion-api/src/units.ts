// Conversions between an axis's user units (mm, deg, ...) and controller counts.

/** Integer counts nearest to `units`. */
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
