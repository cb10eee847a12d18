// The clock seam: both readings step together, timers run in due order, and time bases do not mix.

import { describe, expect, it, vi } from 'vitest';
import { epochOf } from './clock.js';
import { ManualClock } from './manual-clock.js';
import { systemClock } from './system-clock.js';
import { addMs, asEpochMs, asMonotonicMs, type EpochMs, elapsedMs, type MonotonicMs } from './time-base.js';

describe('ManualClock', () => {
  it('moves the monotonic and the epoch reading together, from their own origins', () => {
    const clock = new ManualClock({ monotonicMs: 5_000, epochMs: 1_700_000_000_000 });
    clock.advanceBy(250);
    expect(clock.monotonicMs()).toBe(5_250);
    expect(clock.epochMs()).toBe(1_700_000_000_250);
    expect(epochOf(clock, asMonotonicMs(5_100))).toBe(1_700_000_000_100);
  });

  it('runs due timers in due order, ties in creation order, and timers added while running', () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    clock.after(20, () => ran.push('b@20'));
    clock.schedule(asMonotonicMs(10), () => {
      ran.push('a@10');
      clock.after(5, () => ran.push('c@15'));
    });
    clock.after(20, () => ran.push('d@20'));
    const cancel = clock.after(15, () => ran.push('cancelled'));
    cancel();
    cancel();
    clock.advanceTo(19);
    expect(ran).toEqual(['a@10', 'c@15']);
    expect(clock.nextTimerAtMs()).toBe(20);
    clock.advanceBy(1);
    expect(ran).toEqual(['a@10', 'c@15', 'b@20', 'd@20']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs a timer scheduled in the past on the next advance, without moving time backwards', () => {
    const clock = new ManualClock({ monotonicMs: 100 });
    let ranAt: number | undefined;
    clock.schedule(asMonotonicMs(40), () => {
      ranAt = clock.monotonicMs();
    });
    clock.advanceBy(0);
    expect(ranAt).toBe(100);
  });
  it('stall: time passes with no timer run; the next advance runs the overdue ones late, in order', () => {
    const clock = new ManualClock({ monotonicMs: 0 });
    const ran: [string, number][] = [];
    clock.after(10, () => ran.push(['a', clock.monotonicMs()]));
    clock.after(20, () => ran.push(['b', clock.monotonicMs()]));
    clock.stall(150);
    expect(ran).toEqual([]);
    expect(clock.monotonicMs()).toBe(150);
    clock.advanceBy(0);
    expect(ran).toEqual([
      ['a', 150],
      ['b', 150],
    ]);
  });
});

describe('systemClock', () => {
  it('reads a monotonic clock and the wall clock', () => {
    const before = Date.now();
    expect(systemClock.epochMs()).toBeGreaterThanOrEqual(before);
    expect(Math.abs(systemClock.monotonicMs() - performance.now())).toBeLessThan(1000);
  });

  it('cancels a timer before it runs', async () => {
    let ran = false;
    const cancel = systemClock.after(0, () => {
      ran = true;
    });
    cancel();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
  });

  it('waits out a deadline beyond 2^31-1 ms instead of firing at once, and still cancels it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const farMs = 2 ** 40;
      let runs = 0;
      systemClock.after(farMs, () => runs++);
      const cancelled = systemClock.after(farMs, () => runs++);
      vi.advanceTimersByTime(10);
      expect(runs).toBe(0);
      expect(vi.getTimerCount()).toBe(2);
      cancelled();
      vi.advanceTimersByTime(farMs - 20);
      expect(runs).toBe(0);
      vi.advanceTimersByTime(20);
      expect(runs).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('time bases', () => {
  it('adds and subtracts on one base', () => {
    const start = asMonotonicMs(1_000);
    const deadline: MonotonicMs = addMs(start, 500);
    expect(elapsedMs(start, deadline)).toBe(500);
    const stamp: EpochMs = addMs(asEpochMs(1_700_000_000_000), 1);
    expect(stamp).toBe(1_700_000_000_001);
  });

  it('refuses to mix a monotonic and an epoch instant at compile time', () => {
    const monotonic = asMonotonicMs(1);
    const epoch = asEpochMs(2);
    // @ts-expect-error an epoch instant is not a monotonic one
    const wrong: MonotonicMs = epoch;
    // @ts-expect-error a plain number is not an instant until declared one
    const bare: EpochMs = 5;
    // @ts-expect-error elapsedMs takes two instants of one base
    elapsedMs(monotonic, epoch);
    expect([wrong, bare]).toEqual([2, 5]);
  });
});
