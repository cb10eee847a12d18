// The throttle: leading edge at once, trailing edge with the newest value, keys independent, urgent bypass.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { KeyedThrottle } from './keyed-throttle.js';

const setup = () => {
  const clock = new ManualClock({ monotonicMs: 0 });
  const emitted: [number, string, number][] = [];
  const throttle = new KeyedThrottle<number>(100, clock, (key, value) =>
    emitted.push([clock.monotonicMs(), key, value]),
  );
  return { clock, emitted, throttle };
};

describe('KeyedThrottle', () => {
  it('emits the first value at once and the newest one when the interval is up', () => {
    const { clock, emitted, throttle } = setup();
    throttle.push('a', 1);
    clock.advanceBy(10);
    throttle.push('a', 2);
    clock.advanceBy(10);
    throttle.push('a', 3);
    expect(emitted).toEqual([[0, 'a', 1]]);
    clock.advanceBy(80);
    expect(emitted).toEqual([
      [0, 'a', 1],
      [100, 'a', 3],
    ]);
    clock.advanceBy(1000);
    expect(emitted).toHaveLength(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('at most one emit per key per interval under a steady stream', () => {
    const { clock, emitted, throttle } = setup();
    for (let i = 0; i < 100; i++) {
      throttle.push('a', i);
      clock.advanceBy(10);
    }
    clock.advanceBy(100);
    expect(emitted.length).toBe(11);
    expect(emitted.at(-1)?.[2]).toBe(99);
    for (let i = 1; i < emitted.length; i++)
      expect(emitted[i]![0] - emitted[i - 1]![0]).toBeGreaterThanOrEqual(100);
  });

  it('keys are independent', () => {
    const { emitted, throttle } = setup();
    throttle.push('a', 1);
    throttle.push('b', 2);
    expect(emitted).toEqual([
      [0, 'a', 1],
      [0, 'b', 2],
    ]);
  });

  it('urgent values go out at once and replace a pending one', () => {
    const { clock, emitted, throttle } = setup();
    throttle.push('a', 1);
    throttle.push('a', 2);
    throttle.push('a', 3, true);
    clock.advanceBy(500);
    expect(emitted.map((e) => e[2])).toEqual([1, 3]);
  });

  it('clear() drops pending values and timers', () => {
    const { clock, emitted, throttle } = setup();
    throttle.push('a', 1);
    throttle.push('a', 2);
    throttle.clear();
    clock.advanceBy(500);
    expect(emitted.map((e) => e[2])).toEqual([1]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
