// Simulated controllers from a motion config: sized to the highest axis used on each (axis numbers are
// 1-based, as on the wire), only for sim:// paths, refused above MAX_AXES with a code.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { SimulatorRegistry } from './binding/registry.js';
import { DEFAULT_AXES, MAX_AXES } from './config.js';
import { simulatedControllerSpecs, startSimulatedControllers } from './simulated-controllers.js';
import { attachSteppedHost } from './test-support/stepped-host.js';

const CONFIG = {
  controllers: [
    { id: 'ctrl-a', path: 'sim://ctrl-a', baud: 460_800 },
    { id: 'real', path: '/dev/serial/by-id/usb-FTDI_A1-if00-port0' },
    { id: 'ctrl-b', path: 'sim://sim-b' },
    { id: 'spare', path: 'sim://spare' },
  ],
  axes: [
    { controller: 'ctrl-a', axis: 1 },
    { controller: 'ctrl-a', axis: 2 },
    { controller: 'real', axis: 9 },
    { controller: 'ctrl-b', axis: 6 },
    { controller: 'ctrl-b', axis: 1 },
  ],
};

describe('simulatedControllerSpecs', () => {
  it('one spec per sim:// controller, sized to the highest axis it uses', () => {
    expect(simulatedControllerSpecs(CONFIG)).toEqual([
      { id: 'ctrl-a', path: 'sim://ctrl-a', controller: 'ctrl-a', axisCount: 2, baud: 460_800 },
      { id: 'sim-b', path: 'sim://sim-b', controller: 'ctrl-b', axisCount: 6 },
      // No axis refers to it: a stock controller.
      { id: 'spare', path: 'sim://spare', controller: 'spare', axisCount: DEFAULT_AXES },
    ]);
  });

  it(`refuses an axis above ${MAX_AXES} on a simulated controller with SIM_TOO_MANY_AXES`, () => {
    const config = {
      controllers: [{ id: 'c', path: 'sim://c' }],
      axes: [{ controller: 'c', axis: MAX_AXES + 1 }],
    };
    expect(() => simulatedControllerSpecs(config)).toThrow(
      expect.objectContaining({ code: 'SIM_TOO_MANY_AXES' }),
    );
    // A real controller may have more axes than the simulator: not the simulator's business.
    expect(
      simulatedControllerSpecs({
        controllers: [{ id: 'c', path: '/dev/ttyACM0' }],
        axes: [{ controller: 'c', axis: MAX_AXES + 1 }],
      }),
    ).toEqual([]);
  });
});

describe('startSimulatedControllers', () => {
  it('a config using axis 6 yields a controller a HostSession can HELLO and GET axis 6 on', async () => {
    const clock = new ManualClock();
    const sims = await startSimulatedControllers(CONFIG, { clock, defaults: { pacing: false } });
    try {
      expect(sims.controllers.map((c) => [c.path, c.axisCount, c.baud])).toEqual([
        ['sim://ctrl-a', 2, 460_800],
        ['sim://sim-b', 6, 115_200],
        ['sim://spare', DEFAULT_AXES, 115_200],
      ]);
      const controller = sims.registry.get('sim://sim-b')!;
      expect(controller.status.started).toBe(true);
      const host = attachSteppedHost(controller, clock);
      await host.hello();
      expect(host.session.deviceInfo?.axes).toBeGreaterThanOrEqual(6);
      const reply = await host.call('GET', { axis: 6 });
      expect(reply).toMatchObject({ ok: true, fields: { st: 'DISABLED' } });
      // The binding opens the controllers' paths (and only theirs).
      expect((await sims.binding.list()).map((p) => p.path)).toEqual([
        'sim://ctrl-a',
        'sim://sim-b',
        'sim://spare',
      ]);
    } finally {
      await sims.close();
    }
    expect(sims.registry.list()).toEqual([]);
    await sims.close(); // idempotent
  });

  it('adds to a given registry, with per-controller settings over the defaults', async () => {
    const registry = new SimulatorRegistry();
    const other = registry.create({ id: 'other' });
    const sims = await startSimulatedControllers(CONFIG, {
      registry,
      clock: new ManualClock(),
      defaults: { seed: 7, pacing: false },
      perController: { 'ctrl-a': { perAxis: { 2: { homeSwitchCounts: null } } } },
    });
    try {
      expect(sims.registry).toBe(registry);
      expect(sims.registry.get('sim://ctrl-a')!.axis(2)).toBeDefined();
      expect(sims.controllers.every((c) => c.pacing === false)).toBe(true);
    } finally {
      await sims.close();
    }
    // Only what it started is closed and removed.
    expect(registry.list()).toEqual([other]);
    expect(other.status.closed).toBe(false);
  });

  it('closes what it started when a later controller fails', async () => {
    const registry = new SimulatorRegistry();
    const taken = registry.create({ id: 'spare' });
    await expect(startSimulatedControllers(CONFIG, { registry, clock: new ManualClock() })).rejects.toThrow(
      expect.objectContaining({ code: 'SIM_DUPLICATE_PATH' }),
    );
    expect(registry.list()).toEqual([taken]);
  });
});
