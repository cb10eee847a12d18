// Time as an injected dependency: the system clock in production, a stepped clock in tests.

/** An opaque timer handle. */
export type TimerHandle = object;

/**
 * Milliseconds plus one-shot timers, so tests step time instead of sleeping. Same shape as the
 * vision service's Clock, so one object can serve both.
 */
export interface Clock {
  /** Epoch milliseconds, never stepping backwards within a process. */
  nowMs(): number;
  /** Runs `callback` once after `delayMs`; timers never keep a closing process alive. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** performance.timeOrigin + performance.now(): epoch-based but immune to NTP steps. */
export const systemClock: Clock = {
  nowMs: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward, running every timer that falls due in due order (ties: creation order). */
  advance(ms: number): void;
  pendingTimers(): number;
}

interface PendingTimer {
  dueMs: number;
  id: number;
  callback: () => void;
}

export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let nowMs = startMs;
  let nextId = 0;
  const timers = new Map<TimerHandle, PendingTimer>();
  const nextDue = (limitMs: number): [TimerHandle, PendingTimer] | undefined => {
    let best: [TimerHandle, PendingTimer] | undefined;
    for (const entry of timers) {
      const timer = entry[1];
      if (timer.dueMs > limitMs) continue;
      if (!best || timer.dueMs < best[1].dueMs || (timer.dueMs === best[1].dueMs && timer.id < best[1].id)) {
        best = entry;
      }
    }
    return best;
  };
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
      for (let due = nextDue(targetMs); due; due = nextDue(targetMs)) {
        timers.delete(due[0]);
        nowMs = Math.max(nowMs, due[1].dueMs);
        due[1].callback();
      }
      nowMs = targetMs;
    },
    pendingTimers: () => timers.size,
  };
}
