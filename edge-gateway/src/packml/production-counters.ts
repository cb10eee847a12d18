// Produced / good / rejected totals and the rate over a sliding window, in fixed memory.

import type { MonotonicMs } from '@servo-edge/common/clock';

/** Number of buckets the window is cut into: the rate is exact to one bucket (window / 60). */
const BUCKETS = 60;

export interface CounterSnapshot {
  produced: number;
  good: number;
  rejected: number;
  /** Products per minute over the last `rateWindowMs`. */
  ratePerMin: number;
}

export type ProductOutcome = 'good' | 'rejected';

export class ProductionCounters {
  private good = 0;
  private rejected = 0;
  private readonly bucketMs: number;
  private readonly buckets = new Array<number>(BUCKETS).fill(0);
  /** Absolute index (monotonic time / bucketMs) of the newest bucket. */
  private headIndex: number | undefined;

  /**
   * `monotonicNowMs` is read on every call: the window is a duration, so it runs on the monotonic
   * clock and an NTP step of the wall clock neither empties nor stretches it.
   */
  constructor(
    private readonly rateWindowMs: number,
    private readonly monotonicNowMs: () => MonotonicMs,
  ) {
    this.bucketMs = rateWindowMs / BUCKETS;
  }

  record(outcome: ProductOutcome): void {
    if (outcome === 'good') this.good++;
    else this.rejected++;
    const index = this.advance();
    this.buckets[index % BUCKETS]! += 1;
  }

  snapshot(): CounterSnapshot {
    this.advance();
    const inWindow = this.buckets.reduce((sum, count) => sum + count, 0);
    return {
      produced: this.good + this.rejected,
      good: this.good,
      rejected: this.rejected,
      ratePerMin: Math.round(((inWindow * 60_000) / this.rateWindowMs) * 100) / 100,
    };
  }

  reset(): void {
    this.good = 0;
    this.rejected = 0;
    this.buckets.fill(0);
    this.headIndex = undefined;
  }

  /** Empties the buckets that fell out of the window since the last call; returns the current index. */
  private advance(): number {
    const index = Math.floor(this.monotonicNowMs() / this.bucketMs);
    if (this.headIndex === undefined) {
      this.headIndex = index;
      return index;
    }
    const stale = Math.min(index - this.headIndex, BUCKETS);
    for (let i = 1; i <= stale; i++) this.buckets[(this.headIndex + i) % BUCKETS] = 0;
    this.headIndex = Math.max(this.headIndex, index);
    return this.headIndex;
  }
}
