// The throttle: leading edge at once, trailing edge with the newest value, keys independent, urgent bypass.

import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { KeyedThrottle } from './keyed-throttle.js';

const setup = () => {
  const clock = createManualClock(0);
  const emitted: [number, string, number][] = [];
  const throttle = new KeyedThrottle<number>(100, clock, (key, value) =>
    emitted.push([clock.nowMs(), key, value]),
  );
  return { clock, emitted, throttle };
};

describe('KeyedThrottle', () => {
  it('emits the first value at once and the newest one when the interval is up', () => {
    const { clock, emitted, throttle } = setup();
    throttle.push('a', 1);
    clock.advance(10);
    throttle.push('a', 2);
    clock.advance(10);
    throttle.push('a', 3);
    expect(emitted).toEqual([[0, 'a', 1]]);
    clock.advance(80);
    expect(emitted).toEqual([
      [0, 'a', 1],
      [100, 'a', 3],
    ]);
    clock.advance(1000);
    expect(emitted).toHaveLength(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('at most one emit per key per interval under a steady stream', () => {
    const { clock, emitted, throttle } = setup();
    for (let i = 0; i < 100; i++) {
      throttle.push('a', i);
      clock.advance(10);
    }
    clock.advance(100);
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
    clock.advance(500);
    expect(emitted.map((e) => e[2])).toEqual([1, 3]);
  });

  it('clear() drops pending values and timers', () => {
    const { clock, emitted, throttle } = setup();
    throttle.push('a', 1);
    throttle.push('a', 2);
    throttle.clear();
    clock.advance(500);
    expect(emitted.map((e) => e[2])).toEqual([1]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
