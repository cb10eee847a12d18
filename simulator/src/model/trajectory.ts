// An axis's recent past as knots: at each knot the position, velocity and acceleration that hold until
// the next one (every state change of the axis is a knot, so between two of them the motion is one
// constant-acceleration piece). Lets an observer that runs late (the virtual line on a busy event loop)
// ask where the axis was at any recent instant, exactly, instead of where it is when it gets round to it.

/** The motion from `atMs` until the next knot. Positions in the axis's reported frame. */
export interface Knot {
  atMs: number;
  positionCounts: number;
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
}

/** How much past the trajectory keeps by default. */
export const DEFAULT_HISTORY_MS = 30_000;

export class Trajectory {
  private readonly knots: Knot[] = [];

  constructor(private readonly historyMs = DEFAULT_HISTORY_MS) {}

  /**
   * A state change at `knot.atMs`: it replaces the knots at or after that instant (the same instant
   * recorded again, or a rest the axis is known to have kept since, when a TMOVE fires in the past).
   */
  record(knot: Knot): void {
    while (this.knots.length > 0 && knot.atMs <= this.knots.at(-1)!.atMs) this.knots.pop();
    this.knots.push({ ...knot });
    // Keep one knot at or before the horizon, so every instant inside it is covered.
    const horizonMs = knot.atMs - this.historyMs;
    let drop = 0;
    while (drop + 1 < this.knots.length && this.knots[drop + 1]!.atMs <= horizonMs) drop++;
    if (drop > 0) this.knots.splice(0, drop);
  }

  /**
   * The position at `atMs`, from the last knot at or before it; undefined before the oldest knot kept.
   * Only instants the axis has been advanced to are meaningful (the owner advances it first).
   */
  positionAt(atMs: number): number | undefined {
    let lo = 0;
    let hi = this.knots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.knots[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    const knot = this.knots[lo - 1];
    if (!knot) return undefined;
    const dtS = (atMs - knot.atMs) / 1000;
    return (
      knot.positionCounts + knot.velocityCountsPerS * dtS + 0.5 * knot.accelerationCountsPerS2 * dtS * dtS
    );
  }

  clear(): void {
    this.knots.length = 0;
  }
}
