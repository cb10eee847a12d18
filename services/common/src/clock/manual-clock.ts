// A stepped clock for tests and benchmarks: time moves only when told to, and due timers run in order.

import type { CancelTimer, Clock } from './clock.js';
import type { EpochMs, MonotonicMs } from './time-base.js';

interface PendingTimer {
  atMs: number;
  order: number;
  run(): void;
}

export interface ManualClockStart {
  /** Default 0. */
  monotonicMs?: number;
  /** Default 1_700_000_000_000 (2023-11-14T22:13:20Z), so epoch values look like epoch values. */
  epochMs?: number;
}

export class ManualClock implements Clock {
  private monotonicNowMs: number;
  /** epoch − monotonic: both readings move together. */
  private readonly epochOffsetMs: number;
  private readonly timers: PendingTimer[] = [];
  private order = 0;

  constructor(start: ManualClockStart = {}) {
    this.monotonicNowMs = start.monotonicMs ?? 0;
    this.epochOffsetMs = (start.epochMs ?? 1_700_000_000_000) - this.monotonicNowMs;
  }

  monotonicMs(): MonotonicMs {
    return this.monotonicNowMs as MonotonicMs;
  }

  epochMs(): EpochMs {
    return (this.monotonicNowMs + this.epochOffsetMs) as EpochMs;
  }

  schedule(atMs: MonotonicMs, run: () => void): CancelTimer {
    const timer: PendingTimer = { atMs, order: this.order++, run };
    // Sorted by time, then insertion order, so timers due at the same instant run FIFO.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  }

  after(delayMs: number, run: () => void): CancelTimer {
    return this.schedule((this.monotonicNowMs + Math.max(0, delayMs)) as MonotonicMs, run);
  }

  /** When the next timer is due, if any. */
  nextTimerAtMs(): MonotonicMs | undefined {
    return this.timers[0]?.atMs as MonotonicMs | undefined;
  }

  /** Moves time to `targetMs`, running due timers in order; timers they add run too if due by then. */
  advanceTo(targetMs: MonotonicMs | number): void {
    for (;;) {
      const first = this.timers[0];
      if (!first || first.atMs > targetMs) break;
      this.timers.shift();
      if (first.atMs > this.monotonicNowMs) this.monotonicNowMs = first.atMs;
      first.run();
    }
    if (targetMs > this.monotonicNowMs) this.monotonicNowMs = targetMs;
  }

  advanceBy(durationMs: number): void {
    this.advanceTo(this.monotonicNowMs + durationMs);
  }

  /**
   * Time passes and no timer runs, as while a blocked event loop runs nothing: the next advance runs
   * the timers that fell due meanwhile, late, with the clock reading now.
   */
  stall(durationMs: number): void {
    this.monotonicNowMs += Math.max(0, durationMs);
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
