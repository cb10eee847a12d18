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
