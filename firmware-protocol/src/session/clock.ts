// The clock seams: sessions never read time or set timers themselves, so tests can step time.

/** A monotonic millisecond clock. */
export interface Clock {
  nowMs(): number;
}

/** A clock that can also run code at a time: real timers in production, a ManualClock in tests. */
export interface TimerClock extends Clock {
  /** Runs `run` once the clock reaches `atMs`. Returns a cancel function. */
  schedule(atMs: number, run: () => void): () => void;
}
