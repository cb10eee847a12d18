// §v2 Triggered moves: a position an axis watches for another axis's armed TMOVE. The watched axis finds
// the exact instant of the crossing from its profile (a root of its segment's position polynomial),
// like its limit and switch crossings, so the triggered move starts on that instant, not at a tick.

/** One armed TMOVE's trigger, as the source axis sees it. */
export interface CrossingWatch {
  /** The level in the watched axis's reported frame (TMOVE `at`). */
  readonly levelCounts: number;
  /** 1: fires when the position goes from below to at-or-above; -1: from above to at-or-below. */
  readonly dir: 1 | -1;
  /** The crossing happened at `atMs` on the simulation clock; the watch is already removed. */
  fire(atMs: number): void;
}

/**
 * §v2 Triggered moves: "at or past `at` in direction `dir`". Arming a TMOVE whose source already is
 * there is `ABORTED why=LATE`; a watch fires when its axis gets there.
 */
export function isAtOrPast(positionCounts: number, levelCounts: number, dir: 1 | -1): boolean {
  return (positionCounts - levelCounts) * dir >= 0;
}
