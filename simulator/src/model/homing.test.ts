// HOME on a stepped clock: search for the switch, back off until it releases, stop, set 0 (§Commands HOME).

import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

describe('homing', () => {
  it('searches toward the switch, backs off past it, stops and reports HOMED pos=0', async () => {
    const host = createSteppedHost({
      axisDefaults: {
        startPositionCounts: 5000,
        homeSwitchCounts: -200,
        homeVelocityCountsPerS: 20_000,
        homeBackoffVelocityCountsPerS: 5_000,
        homeAccelerationCountsPerS2: 1_000_000,
      },
    });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    expect(await host.call('HOME', { axis: 1 })).toEqual({ ok: true, fields: {} });
    const { event } = await host.until((e) => e.event === 'HOMED' || e.event === 'FAULT');
    expect(event).toEqual({ kind: 'event', event: 'HOMED', fields: { axis: 1, pos: 0 } });
    const axis = host.controller.axis(1);
    expect(axis.positionCounts).toBe(0);
    expect(axis.homed).toBe(true);
    expect(axis.state).toBe('IDLE');
  });
});

describe('homing failures', () => {
  it('starting on the switch goes straight to the back-off', async () => {
    const host = createSteppedHost({ axisDefaults: { startPositionCounts: -5000, homeSwitchCounts: -200 } });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.call('HOME', { axis: 1 });
    const { event } = await host.until((e) => e.event === 'HOMED' || e.event === 'FAULT');
    expect(event.event).toBe('HOMED');
    expect(host.controller.axis(1).positionCounts).toBe(0);
  });

  it('no switch within homeSearchRangeCounts: FAULT code=HOME, latched', async () => {
    const host = createSteppedHost({
      axisDefaults: { homeSwitchCounts: null, homeSearchRangeCounts: 1000, homeVelocityCountsPerS: 10_000 },
    });
    await host.hello();
    await host.call('ENABLE', { axis: 2 });
    await host.call('HOME', { axis: 2 });
    const { event, elapsedMs } = await host.until((e) => e.event === 'HOMED' || e.event === 'FAULT');
    expect(event.fields).toEqual({ axis: 2, code: 'HOME' });
    expect(elapsedMs).toBeLessThan(200);
    expect(host.controller.axis(2)).toMatchObject({ state: 'FAULT', fault: 'HOME', homed: false });
    expect(await host.call('HOME', { axis: 2 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'FAULT' },
    });
  });

  it('STOP during homing ends it with FAULT code=HOME (every HOME ends in HOMED or FAULT)', async () => {
    const host = createSteppedHost({
      axisDefaults: { homeSwitchCounts: -100_000, homeVelocityCountsPerS: 1000 },
    });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.call('HOME', { axis: 1 });
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ st: 'HOMING' });
    await host.call('STOP', { axis: 1 });
    await host.advance(0);
    expect(host.events.filter((e) => e.event === 'FAULT').map((e) => e.fields)).toEqual([
      { axis: 1, code: 'HOME' },
    ]);
  });

  it('a jammed axis during homing faults FERR, once', async () => {
    const host = createSteppedHost({ axisDefaults: { ferrCounts: 50 } });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    host.controller.faults.stickAxis(1, true);
    await host.call('HOME', { axis: 1 });
    await host.until((e) => e.event === 'FAULT');
    await host.advance(100);
    expect(host.events.filter((e) => e.event === 'FAULT').map((e) => e.fields)).toEqual([
      { axis: 1, code: 'FERR' },
    ]);
  });

  it('HOME needs an enabled, idle axis', async () => {
    const host = createSteppedHost();
    await host.hello();
    expect(await host.call('HOME', { axis: 1 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'DISABLED' },
    });
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 100_000, 100, 100);
    expect(await host.call('HOME', { axis: 1 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'MOVING' },
    });
  });
});
