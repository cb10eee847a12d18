// The clock seam: sessions never read time themselves, so tests can step it.

/** A monotonic millisecond clock. */
export interface Clock {
  nowMs(): number;
}
