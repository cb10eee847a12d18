// A Clock whose timers fire late: a stepped ManualClock seen through an event loop that is busy. Every
// timer runs `lagMs` after it was due (the readings are the ManualClock's own, so time itself is exact).
// Tests hand it to a device to prove that what the device does happens on the simulated timeline, not
// when its event loop gets round to it (§v2 Triggered moves: the simulator computes the exact instant).

import type { CancelTimer, Clock, EpochMs, MonotonicMs } from '@servo-edge/common/clock';
import type { ManualClock } from '@servo-edge/common/testing';

export class LaggyClock implements Clock {
  constructor(
    private readonly inner: ManualClock,
    /** How late every timer runs, ms. */
    public lagMs: number,
  ) {}

  monotonicMs(): MonotonicMs {
    return this.inner.monotonicMs();
  }
  epochMs(): EpochMs {
    return this.inner.epochMs();
  }
  schedule(atMs: MonotonicMs, run: () => void): CancelTimer {
    return this.inner.schedule((atMs + this.lagMs) as MonotonicMs, run);
  }
  after(delayMs: number, run: () => void): CancelTimer {
    return this.inner.after(Math.max(0, delayMs) + this.lagMs, run);
  }
}
