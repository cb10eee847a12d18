// Per-key rate limiting where the last value always wins: at most one emit per key per interval, none lost at the end.

import type { Clock, TimerHandle } from '../clock.js';

interface KeyState<T> {
  lastEmitMs: number;
  pending: { value: T } | undefined;
  timer: TimerHandle | undefined;
}

/**
 * `push()` emits at once when the key has been quiet for `intervalMs` (or when `urgent`), otherwise
 * keeps only the newest value and emits it when the interval is up. Memory: one entry per key.
 */
export class KeyedThrottle<T> {
  private readonly keys = new Map<string, KeyState<T>>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly emit: (key: string, value: T) => void,
  ) {}

  push(key: string, value: T, urgent = false): void {
    const nowMs = this.clock.nowMs();
    let state = this.keys.get(key);
    if (!state) {
      state = { lastEmitMs: Number.NEGATIVE_INFINITY, pending: undefined, timer: undefined };
      this.keys.set(key, state);
    }
    if (urgent || nowMs - state.lastEmitMs >= this.intervalMs) {
      this.cancel(state);
      this.fire(key, state, value, nowMs);
      return;
    }
    state.pending = { value };
    if (state.timer === undefined) {
      const owner = state;
      owner.timer = this.clock.setTimer(
        () => {
          owner.timer = undefined;
          const pending = owner.pending;
          if (pending) this.fire(key, owner, pending.value, this.clock.nowMs());
        },
        state.lastEmitMs + this.intervalMs - nowMs,
      );
    }
  }

  /** Drops pending values and timers; later pushes start afresh. */
  clear(): void {
    for (const state of this.keys.values()) this.cancel(state);
    this.keys.clear();
  }

  private fire(key: string, state: KeyState<T>, value: T, nowMs: number): void {
    state.pending = undefined;
    state.lastEmitMs = nowMs;
    this.emit(key, value);
  }

  private cancel(state: KeyState<T>): void {
    if (state.timer !== undefined) this.clock.clearTimer(state.timer);
    state.timer = undefined;
    state.pending = undefined;
  }
}
