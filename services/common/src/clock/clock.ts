// The one clock seam: every package reads time and sets timers through it, so tests step time.

import type { EpochMs, MonotonicMs } from './time-base.js';

/** Cancels a timer; calling it again, or after the timer ran, does nothing. */
export type CancelTimer = () => void;

/**
 * Two readings and one kind of timer. Durations, deadlines and timers are monotonic; only
 * timestamps that leave the process (REST, MQTT, logs) are epoch. Implementations: `systemClock`
 * and `ManualClock` (tests).
 */
export interface Clock {
  /** The monotonic reading: never steps backwards, unrelated to the date. */
  monotonicMs(): MonotonicMs;
  /** The wall-clock reading, for timestamps other systems read. */
  epochMs(): EpochMs;
  /** Runs `run` once the monotonic clock reaches `atMs` (at once if already past). Never keeps a closing process alive. */
  schedule(atMs: MonotonicMs, run: () => void): CancelTimer;
  /** Runs `run` once, `delayMs` from now. Same as `schedule(now + delayMs)`. */
  after(delayMs: number, run: () => void): CancelTimer;
}

/** The epoch time at which a monotonic instant of `clock` happened (or will happen). */
export function epochOf(clock: Clock, instant: MonotonicMs): EpochMs {
  return (clock.epochMs() - (clock.monotonicMs() - instant)) as EpochMs;
}
