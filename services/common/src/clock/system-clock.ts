// The real clock: the only place in servo-edge that reads process time or starts a timer.

import type { Clock } from './clock.js';
import type { EpochMs, MonotonicMs } from './time-base.js';

/**
 * Node clamps a delay above 2^31-1 ms to 1 ms (TimeoutOverflowWarning), which turns a far deadline (a jog
 * that would reach a 2^48-count limit in 900 years) into a 1 ms busy loop. A far deadline waits in steps.
 */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function schedule(atMs: MonotonicMs, run: () => void) {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const delayMs = Math.max(0, atMs - performance.now());
    timer = setTimeout(delayMs > MAX_TIMER_DELAY_MS ? arm : run, Math.min(delayMs, MAX_TIMER_DELAY_MS));
    // A pending timeout must not hold a process open after its owner closed.
    timer.unref();
  };
  arm();
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
