// The clock: time bases as types, the Clock seam, the system clock and a stepped clock for tests.

export { type CancelTimer, type Clock, epochOf } from './clock.js';
export { ManualClock, type ManualClockStart } from './manual-clock.js';
export { systemClock } from './system-clock.js';
export {
  addMs,
  asEpochMs,
  asMonotonicMs,
  type EpochMs,
  elapsedMs,
  type InstantMs,
  type MonotonicMs,
} from './time-base.js';
