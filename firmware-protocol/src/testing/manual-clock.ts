// A stepped clock with a timer queue, for tests and benchmarks that must not depend on wall time.

import type { TimerClock } from '../session/clock.js';

interface Timer {
  atMs: number;
  order: number;
  run(): void;
}

export class ManualClock implements TimerClock {
  private now: number;
  private timers: Timer[] = [];
  private order = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  /** Runs `run` when the clock reaches `atMs` (at once on the next advance if already past). Returns a cancel function. */
  schedule(atMs: number, run: () => void): () => void {
    const timer: Timer = { atMs, order: this.order++, run };
    // Keep the queue sorted by time, then insertion order, so equal times run FIFO.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  nextTimerAtMs(): number | undefined {
    return this.timers[0]?.atMs;
  }

  /** Moves time forward to `targetMs`, running due timers in order (timers they add run too if due). */
  advanceTo(targetMs: number): void {
    for (;;) {
      const first = this.timers[0];
      if (!first || first.atMs > targetMs) break;
      this.timers.shift();
      if (first.atMs > this.now) this.now = first.atMs;
      first.run();
    }
    if (targetMs > this.now) this.now = targetMs;
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
