// Per-key rate limiting where the last value always wins: at most one emit per key per interval, none lost at the end.

import {
  addMs,
  asMonotonicMs,
  type CancelTimer,
  type Clock,
  elapsedMs,
  type MonotonicMs,
} from '@servo-edge/common/clock';

interface KeyState<T> {
  /** Monotonic: the interval is a duration. -Infinity before the first emit. */
  lastEmitMs: MonotonicMs;
  pending: { value: T } | undefined;
  cancelTimer: CancelTimer | undefined;
}

/**
 * `push()` emits at once when the key has been quiet for `intervalMs` (or when `urgent`), otherwise
 * keeps only the newest value and emits it when the interval is up. Memory: one entry per key.
 */
export class KeyedThrottle<T> {
  private readonly keys = new Map<string, KeyState<T>>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Pick<Clock, 'monotonicMs' | 'schedule'>,
    private readonly emit: (key: string, value: T) => void,
  ) {}

  push(key: string, value: T, urgent = false): void {
    const nowMs = this.clock.monotonicMs();
    let state = this.keys.get(key);
    if (!state) {
      state = {
        lastEmitMs: asMonotonicMs(Number.NEGATIVE_INFINITY),
        pending: undefined,
        cancelTimer: undefined,
      };
      this.keys.set(key, state);
    }
    if (urgent || elapsedMs(state.lastEmitMs, nowMs) >= this.intervalMs) {
      this.cancel(state);
      this.fire(key, state, value, nowMs);
      return;
    }
    state.pending = { value };
    if (state.cancelTimer === undefined) {
      const owner = state;
      owner.cancelTimer = this.clock.schedule(addMs(state.lastEmitMs, this.intervalMs), () => {
        owner.cancelTimer = undefined;
        const pending = owner.pending;
        if (pending) this.fire(key, owner, pending.value, this.clock.monotonicMs());
      });
    }
  }

  /** Drops pending values and timers; later pushes start afresh. */
  clear(): void {
    for (const state of this.keys.values()) this.cancel(state);
    this.keys.clear();
  }

  private fire(key: string, state: KeyState<T>, value: T, nowMs: MonotonicMs): void {
    state.pending = undefined;
    state.lastEmitMs = nowMs;
    this.emit(key, value);
  }

  private cancel(state: KeyState<T>): void {
    state.cancelTimer?.();
    state.cancelTimer = undefined;
    state.pending = undefined;
  }
}
