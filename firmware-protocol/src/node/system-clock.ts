// The real-time TimerClock, at the edge of the package: the only place here that touches timers.

import type { TimerClock } from '../session/clock.js';

export const systemClock: TimerClock = {
  nowMs: () => performance.now(),
  schedule(atMs, run) {
    const timer = setTimeout(run, Math.max(0, atMs - performance.now()));
    return () => clearTimeout(timer);
  },
};
