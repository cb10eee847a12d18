// OEE (overall equipment effectiveness) over a sliding window, from the PackML state, the unit mode
// and the product counters. Fixed memory; time accrues on the injected monotonic clock.
//
// The three factors as Nakajima defined them and as OMAC's PackML implementation guide computes them
// from PackTags:
//   Availability = run time / planned production time
//   Performance  = (products × ideal cycle time) / run time
//   Quality      = good products / products
//   OEE          = Availability × Performance × Quality
// Planned production time is time in Production mode in every state but Stopped and Complete: a
// stopped or finished line is not scheduled to produce, whereas Idle, Held, Suspended, Aborted and
// the acting states in between are time the line was meant to run and did not (availability losses).
// Run time is time in Execute in Production mode. Maintenance and Manual time are not planned.

import type { MonotonicMs } from '@servo-edge/common/clock';
import type { ProductOutcome } from './production-counters.js';
import type { PackMLState } from './states.js';
import type { UnitMode } from './unit-modes.js';

/** The window is cut into this many buckets: figures are exact to one bucket (window / 60). */
const BUCKETS = 60;

const NOT_PLANNED: readonly PackMLState[] = ['Stopped', 'Complete'];

export interface OeeSnapshot {
  windowMs: number;
  /** 0..1, or null when no production time was planned in the window. */
  availability: number | null;
  /** 0..1 (capped: above 1 means the ideal rate is set too low), or null with no run time. */
  performance: number | null;
  /** 0..1, or null when nothing was produced in the window. */
  quality: number | null;
  /** The product of the three, or null when any is null. */
  oee: number | null;
  plannedTimeMs: number;
  runTimeMs: number;
  products: number;
  good: number;
  idealRatePerMin: number;
}

interface Bucket {
  plannedMs: number;
  runMs: number;
  good: number;
  rejected: number;
}

export interface OeeTrackerOptions {
  windowMs: number;
  /** The rate the line is designed for: its ideal cycle time is 60 000 / this, in ms. */
  idealRatePerMin: number;
  monotonicNowMs: () => MonotonicMs;
  initialState: PackMLState;
  initialMode: UnitMode;
}

export class OeeTracker {
  private readonly bucketMs: number;
  private readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, emptyBucket);
  /** Absolute bucket index (monotonic time / bucketMs) of the newest bucket. */
  private headIndex: number;
  private accruedToMs: number;
  private state: PackMLState;
  private mode: UnitMode;

  constructor(private readonly opts: OeeTrackerOptions) {
    this.bucketMs = opts.windowMs / BUCKETS;
    this.state = opts.initialState;
    this.mode = opts.initialMode;
    this.accruedToMs = opts.monotonicNowMs();
    this.headIndex = Math.floor(this.accruedToMs / this.bucketMs);
  }

  /** Call on every state or mode change: time up to now is charged to the previous pair. */
  observe(state: PackMLState, mode: UnitMode): void {
    this.accrue();
    this.state = state;
    this.mode = mode;
  }

  recordProduct(outcome: ProductOutcome): void {
    this.accrue();
    const bucket = this.buckets[this.headIndex % BUCKETS]!;
    if (outcome === 'good') bucket.good++;
    else bucket.rejected++;
  }

  snapshot(): OeeSnapshot {
    this.accrue();
    let plannedMs = 0;
    let runMs = 0;
    let good = 0;
    let rejected = 0;
    for (const bucket of this.buckets) {
      plannedMs += bucket.plannedMs;
      runMs += bucket.runMs;
      good += bucket.good;
      rejected += bucket.rejected;
    }
    const products = good + rejected;
    const idealCycleMs = 60_000 / this.opts.idealRatePerMin;
    const availability = plannedMs > 0 ? runMs / plannedMs : null;
    const performance = runMs > 0 ? Math.min(1, (products * idealCycleMs) / runMs) : null;
    const quality = products > 0 ? good / products : null;
    const oee =
      availability === null || performance === null || quality === null
        ? null
        : availability * performance * quality;
    return {
      windowMs: this.opts.windowMs,
      availability: round4(availability),
      performance: round4(performance),
      quality: round4(quality),
      oee: round4(oee),
      plannedTimeMs: Math.round(plannedMs),
      runTimeMs: Math.round(runMs),
      products,
      good,
      idealRatePerMin: this.opts.idealRatePerMin,
    };
  }

  /** Charges the time since the last call to the current state and mode, bucket by bucket. */
  private accrue(): void {
    const nowMs = this.opts.monotonicNowMs();
    const planned = this.mode === 'Production' && !NOT_PLANNED.includes(this.state);
    const running = this.mode === 'Production' && this.state === 'Execute';
    let fromMs = this.accruedToMs;
    while (fromMs < nowMs) {
      const index = Math.floor(fromMs / this.bucketMs);
      this.moveHeadTo(index);
      const toMs = Math.min(nowMs, (index + 1) * this.bucketMs);
      const bucket = this.buckets[index % BUCKETS]!;
      if (planned) bucket.plannedMs += toMs - fromMs;
      if (running) bucket.runMs += toMs - fromMs;
      fromMs = toMs;
      // A gap longer than the window empties every bucket: skip straight to the last one.
      if (nowMs - fromMs > this.opts.windowMs) fromMs = nowMs - this.opts.windowMs;
    }
    this.moveHeadTo(Math.floor(nowMs / this.bucketMs));
    this.accruedToMs = Math.max(this.accruedToMs, nowMs);
  }

  /** Empties the buckets that fall out of the window as the head moves forward. */
  private moveHeadTo(index: number): void {
    if (index <= this.headIndex) return;
    const stale = Math.min(index - this.headIndex, BUCKETS);
    for (let i = 1; i <= stale; i++) this.buckets[(this.headIndex + i) % BUCKETS] = emptyBucket();
    this.headIndex = index;
  }
}

function emptyBucket(): Bucket {
  return { plannedMs: 0, runMs: 0, good: 0, rejected: 0 };
}

function round4(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
