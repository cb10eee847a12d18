// Moves end to end on a stepped clock: a move of distance d at v and a takes the analytic time within
// 1% (§Commands MOVE), lands on its target, and honours VMAX/AMAX.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

describe('motion physics', () => {
  it.each([
    { d: 100_000, vel: 20_000, acc: 100_000 },
    { d: -100_000, vel: 20_000, acc: 100_000 },
    { d: 500, vel: 50_000, acc: 200_000 },
    { d: 1, vel: 1_000, acc: 1_000 },
    { d: 250_000, vel: 199_999, acc: 2_000_000 },
    { d: -37_123, vel: 1_234, acc: 987 },
  ])('MOVE by $d at v=$vel a=$acc: DONE after the analytic time (within 1%)', async ({ d, vel, acc }) => {
    const host = createSteppedHost({ axisDefaults: { minCounts: -1_000_000, maxCounts: 1_000_000 } });
    await host.hello();
    await host.call('ENABLE', { axis: 2 });
    const { seq, reply } = await host.move(2, d, vel, acc);
    expect(reply.ok).toBe(true);
    const { event, elapsedMs } = await host.until((e) => e.event === 'DONE', 10_000_000);
    expect(event.fields).toEqual({ axis: 2, seq, pos: d });
    const analyticMs = trapezoidDurationS(d, vel, acc) * 1000;
    expect(Math.abs(elapsedMs - analyticMs) / analyticMs).toBeLessThan(0.01);
    expect(host.controller.axis(2)).toMatchObject({
      positionCounts: d,
      velocityCountsPerS: 0,
      state: 'IDLE',
    });
  });

  it('never exceeds the commanded velocity, and reaches it when the distance allows', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 50_000, 10_000, 40_000);
    let peak = 0;
    let last = 0;
    for (let t = 0; t < 6000; t += 5) {
      await host.advance(5);
      const axis = host.controller.axis(1);
      peak = Math.max(peak, Math.abs(axis.velocityCountsPerS));
      // Positions only grow (point to point, no overshoot).
      expect(axis.positionCounts).toBeGreaterThanOrEqual(last - 1e-9);
      last = axis.positionCounts;
    }
    expect(peak).toBeCloseTo(10_000, 6);
    expect(last).toBe(50_000);
  });

  it('GET mid-move reports MOVING, the target and a velocity below the limit', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 10_000, 5_000, 50_000);
    await host.advance(1000);
    const reply = await host.call('GET', { axis: 1 });
    expect(reply).toMatchObject({ ok: true, fields: { st: 'MOVING', tgt: 10_000, q: 1, vel: 5_000 } });
    // 0.1 s ramp (250 counts) then 0.9 s at 5000/s = 4750
    expect(reply.ok && reply.fields.pos).toBe(4750);
  });

  it('MOVE above VMAX or AMAX, or outside MIN/MAX, is ERR RANGE and does not move', async () => {
    const host = createSteppedHost({
      axisDefaults: { vmaxCountsPerS: 1000, amaxCountsPerS2: 5000, minCounts: -10, maxCounts: 10 },
    });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    for (const [pos, vel, acc] of [
      [5, 1001, 100],
      [5, 100, 5001],
      [11, 100, 100],
      [-11, 100, 100],
    ] as const) {
      expect(await host.call('MOVE', { axis: 1, pos, vel, acc })).toEqual({
        ok: false,
        code: 'RANGE',
        fields: {},
      });
    }
    expect(host.controller.axis(1).queue).toHaveLength(0);
    expect((await host.move(1, 10, 1000, 5000)).reply.ok).toBe(true);
  });
});
