// Time as an injected dependency: the system clock in production, a stepped clock in tests.

/** An opaque timer handle. */
export type TimerHandle = object;

/** Milliseconds since the Unix epoch, plus timers, so tests can step time instead of sleeping. */
export interface Clock {
  /** Wall-clock epoch milliseconds, monotonic within a process. */
  nowMs(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** performance.timeOrigin + performance.now(): epoch-based but never steps backwards with NTP. */
export const systemClock: Clock = {
  nowMs: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // Timers must not keep a closing process alive.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward and runs every timer that falls due, in due order. */
  advance(ms: number): void;
  /** Number of timers still pending. */
  pendingTimers(): number;
}

export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let nowMs = startMs;
  let nextId = 0;
  const timers = new Map<object, { dueMs: number; id: number; callback: () => void }>();
  return {
    nowMs: () => nowMs,
    setTimer: (callback, delayMs) => {
      const handle = {};
      timers.set(handle, { dueMs: nowMs + Math.max(0, delayMs), id: nextId++, callback });
      return handle;
    },
    clearTimer: (handle) => {
      timers.delete(handle);
    },
    advance: (ms) => {
      const targetMs = nowMs + ms;
      for (;;) {
        let next: [object, { dueMs: number; id: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].dueMs > targetMs) continue;
          if (
            !next ||
            entry[1].dueMs < next[1].dueMs ||
            (entry[1].dueMs === next[1].dueMs && entry[1].id < next[1].id)
          )
            next = entry;
        }
        if (!next) break;
        timers.delete(next[0]);
        nowMs = Math.max(nowMs, next[1].dueMs);
        next[1].callback();
      }
      nowMs = targetMs;
    },
    pendingTimers: () => timers.size,
  };
}
