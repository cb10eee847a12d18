import { asMonotonicMs } from '@servo-edge/common/clock';
import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { createSessionDriver } from './session-driver.js';

describe('session driver', () => {
  it('ticks at each deadline the target reports, and stops', () => {
    const clock = new ManualClock();
    const deadlines = [asMonotonicMs(10), asMonotonicMs(25)];
    const ticks: number[] = [];
    const target = {
      tick: () => {
        ticks.push(clock.monotonicMs());
        deadlines.shift();
      },
      nextDeadlineMs: () => deadlines[0],
    };
    const driver = createSessionDriver(target, clock);
    driver.poke();
    driver.poke(); // same deadline: no second timer
    expect(clock.pendingTimers()).toBe(1);
    clock.advanceTo(100);
    expect(ticks).toEqual([10, 25]);
    deadlines.push(asMonotonicMs(150));
    driver.poke();
    driver.stop();
    clock.advanceTo(200);
    expect(ticks).toEqual([10, 25]);
  });
});
