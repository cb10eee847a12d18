// The real clock: the only place in servo-edge that reads process time or starts a timer.

import type { Clock } from './clock.js';
import type { EpochMs, MonotonicMs } from './time-base.js';

function schedule(atMs: MonotonicMs, run: () => void) {
  const timer = setTimeout(run, Math.max(0, atMs - performance.now()));
  // A pending timeout must not hold a process open after its owner closed.
  timer.unref();
  return () => clearTimeout(timer);
}

/**
 * monotonicMs: performance.now() (CLOCK_MONOTONIC in libuv; immune to NTP steps).
 * epochMs: Date.now(), the wall clock, because these timestamps are read by other machines.
 */
export const systemClock: Clock = {
  monotonicMs: () => performance.now() as MonotonicMs,
  epochMs: () => Date.now() as EpochMs,
  schedule,
  after: (delayMs, run) => schedule((performance.now() + Math.max(0, delayMs)) as MonotonicMs, run),
};
