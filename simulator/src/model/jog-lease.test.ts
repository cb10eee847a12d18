// §v2 Jog lease on the simulated controller: a leased JOG runs while RENEWs arrive; when one is missing
// the axis makes a controlled stop at the jog's acceleration and LEASE reports where the lease ran out.
// STOP, a soft limit or a fault end the jog without LEASE. Stepped time: the expiry instant is exact.

import { describe, expect, it } from 'vitest';
import { createSteppedHost, type SteppedHost } from '../test-support/stepped-host.js';

const JOG = { axis: 1, vel: 10_000, acc: 100_000, lease: 300 };

/** Where a jog from rest at JOG's vel and acc is, `s` seconds after it started (0.1 s ramp, 500 counts). */
const jogged = (s: number) => (s < 0.1 ? 0.5 * JOG.acc * s * s : 500 + JOG.vel * (s - 0.1));

async function jogging() {
  const host = createSteppedHost({ pacing: false }, { maxProtocol: 2 });
  await host.hello();
  await host.call('ENABLE', { axis: 1 });
  expect(await host.call('JOG', JOG)).toEqual({ ok: true, fields: {} });
  return host;
}

const executedAt = (host: SteppedHost, verb: string) =>
  host.controller.executed.filter((e) => e.verb === verb).map((e) => e.atMs);

describe('JOG with a lease (§v2 Jog lease)', () => {
  it('runs while RENEWs arrive, then stops at the jog acc when one is missing; LEASE says where', async () => {
    const host = await jogging();
    for (let i = 0; i < 5; i++) {
      await host.advance(200);
      expect(await host.call('RENEW', { axis: 1, lease: 300 })).toEqual({ ok: true, fields: {} });
    }
    const [jogAtMs] = executedAt(host, 'JOG');
    const lastRenewAtMs = executedAt(host, 'RENEW').at(-1)!;
    // 1. Heartbeat PINGs keep the session up, but only RENEW extends the lease.
    const { event } = await host.until((e) => e.event === 'LEASE');
    const expiredS = (lastRenewAtMs + JOG.lease - jogAtMs!) / 1000;
    expect(event.fields).toEqual({ axis: 1, pos: Math.round(jogged(expiredS)) });
    // 2. Exactly at the lease: 299 ms after the last RENEW the axis still ran at full speed.
    expect(host.clock.monotonicMs()).toBe(lastRenewAtMs + JOG.lease);
    // 3. A controlled stop at 100000 counts/s² from 10000 counts/s: 0.1 s and 500 counts.
    await host.advance(100);
    expect(host.controller.axis(1)).toMatchObject({
      state: 'IDLE',
      velocityCountsPerS: 0,
      positionCounts: Math.round(jogged(expiredS)) + 500,
    });
    expect(await host.call('RENEW', { axis: 1, lease: 300 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'IDLE' },
    });
  });

  it('a repeated JOG renews the lease and may change the velocity', async () => {
    const host = await jogging();
    await host.advance(250);
    expect(await host.call('JOG', { ...JOG, vel: 5000 })).toEqual({ ok: true, fields: {} });
    await host.advance(250);
    expect(host.events.filter((e) => e.event === 'LEASE')).toEqual([]);
    expect(host.controller.axis(1)).toMatchObject({ state: 'MOVING', velocityCountsPerS: 5000 });
    await host.until((e) => e.event === 'LEASE');
  });

  it('STOP ends the jog without LEASE; RENEW then gets ERR STATE', async () => {
    const host = await jogging();
    await host.advance(150);
    expect(await host.call('STOP', { axis: 1 })).toEqual({ ok: true, fields: {} });
    expect(await host.call('RENEW', { axis: 1, lease: 300 })).toMatchObject({ ok: false, code: 'STATE' });
    await host.advance(1000);
    expect(host.events.filter((e) => e.event === 'LEASE')).toEqual([]);
    expect(host.controller.axis(1).state).toBe('IDLE');
  });

  it('a soft limit ends the jog first (FAULT LIMIT), and the lease then reports nothing', async () => {
    const host = createSteppedHost({ pacing: false }, { maxProtocol: 2 });
    await host.hello();
    await host.call('SET', { axis: 1, key: 'MAX', value: 1000 });
    await host.call('ENABLE', { axis: 1 });
    await host.call('JOG', JOG);
    await host.until((e) => e.event === 'FAULT' && e.fields.code === 'LIMIT');
    await host.advance(1000);
    expect(host.events.filter((e) => e.event === 'LEASE')).toEqual([]);
    expect(host.controller.axis(1)).toMatchObject({ positionCounts: 1000, state: 'FAULT' });
  });

  it('a lease outside 50..5000 ms is ERR RANGE; RENEW of another axis is ERR STATE', async () => {
    const host = await jogging();
    expect(await host.call('JOG', { ...JOG, lease: 49 })).toMatchObject({ ok: false, code: 'RANGE' });
    expect(await host.call('RENEW', { axis: 1, lease: 5001 })).toMatchObject({ ok: false, code: 'RANGE' });
    expect(await host.call('RENEW', { axis: 2, lease: 300 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'DISABLED' },
    });
  });
});
