// §v2 Fields on the simulated controller: what GET's q, run, tgt and st say in each state, with the
// clause's own examples (idle q=0; one running q=1; one running and two waiting q=3 run=<first>), and
// that a v1 session gets exactly the v1 fields.

import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

async function v2Host() {
  const host = createSteppedHost({ pacing: false, queueDepth: 4 }, { maxProtocol: 2 });
  await host.hello();
  await host.call('ENABLE', { axis: 1 });
  return host;
}

describe('GET fields (§v2 Fields)', () => {
  it('q counts the running move; run names it; tgt is its target', async () => {
    const host = await v2Host();
    const get = async () => (await host.call('GET', { axis: 1 })).fields;
    expect(await get()).toEqual({ pos: 0, vel: 0, tgt: 0, st: 'IDLE', q: 0, run: 0 });
    const a = await host.move(1, 12_000, 4000, 20_000);
    expect(await get()).toMatchObject({ tgt: 12_000, st: 'MOVING', q: 1, run: a.seq });
    const b = await host.move(1, 0, 4000, 20_000);
    await host.move(1, 500, 4000, 20_000);
    expect(await get()).toMatchObject({ tgt: 12_000, st: 'MOVING', q: 3, run: a.seq });
    // q is what the axis still owes: it falls by one with each DONE.
    await host.until((e) => e.event === 'DONE' && e.fields.seq === a.seq);
    expect(await get()).toMatchObject({ tgt: 0, q: 2, run: b.seq });
  });

  it('while jogging tgt is the commanded position; idle it is where the axis holds', async () => {
    const host = await v2Host();
    await host.call('JOG', { axis: 1, vel: 10_000, acc: 100_000, lease: 1000 });
    await host.advance(300); // 0.1 s ramp (500 counts) + 0.2 s at 10000/s
    const jogging = (await host.call('GET', { axis: 1 })).fields;
    expect(jogging).toMatchObject({ st: 'MOVING', vel: 10_000, q: 0, run: 0 });
    expect(jogging.tgt).toBe(jogging.pos);
    expect(jogging.pos).toBe(2500);
    await host.call('STOP', { axis: 1 });
    await host.advance(200);
    const idle = (await host.call('GET', { axis: 1 })).fields;
    expect(idle).toMatchObject({ st: 'IDLE', vel: 0, q: 0 });
    expect(idle.tgt).toBe(idle.pos);
  });

  it('a v1 session gets exactly the v1 fields, q counting the running move', async () => {
    const host = createSteppedHost({ pacing: false });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 12_000, 4000, 20_000);
    expect(Object.keys((await host.call('GET', { axis: 1 })).fields)).toEqual([
      'pos',
      'vel',
      'tgt',
      'st',
      'q',
    ]);
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ q: 1, tgt: 12_000 });
  });
});
