// Simulated links from a motion config: a servo-edge controller sized to the highest axis used on it
// (axis numbers are 1-based, as on the wire), a Maestro with enough channels, a Dynamixel bus with a servo
// per ID, unless the path says otherwise; only for sim:// paths; refused with a code when a device cannot
// have that axis, when the path does not parse, or when it names another model than the driver.

import { SerialPortStream } from '@serialport/stream';
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
      {
        model: 'servo-edge',
        id: 'ctrl-a',
        path: 'sim://ctrl-a',
        controller: 'ctrl-a',
        axisCount: 2,
        baud: 460_800,
      },
      { model: 'servo-edge', id: 'sim-b', path: 'sim://sim-b', controller: 'ctrl-b', axisCount: 6 },
      // No axis refers to it: a stock controller.
      { model: 'servo-edge', id: 'spare', path: 'sim://spare', controller: 'spare', axisCount: DEFAULT_AXES },
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

/** A motion config with the real controllers' drivers (the motion API's `controllers[].driver`). */
const DEVICES = {
  controllers: [
    // The driver picks the model; channels and servos come from the axes.
    { id: 'arm', path: 'sim://arm', driver: 'maestro' },
    { id: 'bus', path: 'sim://bus', driver: 'dynamixel', baud: 1_000_000 },
    // The path names the model and says what hardware is there, whatever the axes ask for.
    { id: 'mini', path: 'sim://maestro/mini?channels=24&crc=on', driver: 'maestro' },
    { id: 'u2d2', path: 'sim://dynamixel/u2d2?servos=1:XL430-W250,3' },
  ],
  axes: [
    { controller: 'arm', axis: 0 },
    { controller: 'arm', axis: 8 },
    { controller: 'bus', axis: 7 },
    { controller: 'bus', axis: 2 },
    { controller: 'bus', axis: 7 },
    { controller: 'u2d2', axis: 5 },
  ],
};

describe('simulatedControllerSpecs for Maestro and Dynamixel controllers', () => {
  it('sizes a Maestro to its highest channel and a bus to its IDs, unless the path says', () => {
    expect(simulatedControllerSpecs(DEVICES)).toEqual([
      { model: 'maestro', id: 'arm', path: 'sim://maestro/arm', controller: 'arm', channels: 12 },
      {
        model: 'dynamixel',
        id: 'bus',
        path: 'sim://dynamixel/bus',
        controller: 'bus',
        baud: 1_000_000,
        servos: [
          { id: 2, model: 'XM430-W350' },
          { id: 7, model: 'XM430-W350' },
        ],
      },
      {
        model: 'maestro',
        id: 'mini',
        path: 'sim://maestro/mini',
        controller: 'mini',
        channels: 24,
        crc: true,
      },
      {
        model: 'dynamixel',
        id: 'u2d2',
        path: 'sim://dynamixel/u2d2',
        controller: 'u2d2',
        // ID 5 is configured but not on the bus: the driver's discovery must say so.
        servos: [
          { id: 1, model: 'XL430-W250' },
          { id: 3, model: 'XM430-W350' },
        ],
      },
    ]);
  });

  it.each([
    { what: 'Maestro channel 24', driver: 'maestro', axis: 24 },
    { what: 'Dynamixel ID 253', driver: 'dynamixel', axis: 253 },
  ])('refuses $what with SIM_TOO_MANY_AXES', ({ driver, axis }) => {
    const config = { controllers: [{ id: 'c', path: 'sim://c', driver }], axes: [{ controller: 'c', axis }] };
    expect(() => simulatedControllerSpecs(config)).toThrow(
      expect.objectContaining({ code: 'SIM_TOO_MANY_AXES' }),
    );
  });

  it('a bad path, a driver it contradicts or a driver with no simulated device is CONFIG_INVALID at its key', () => {
    const config = {
      controllers: [
        { id: 'ok', path: 'sim://ok' },
        { id: 'a', path: 'sim://maestro/a?channels=7' },
        { id: 'b', path: 'sim://dynamixel/b', driver: 'maestro' },
        { id: 'c', path: 'sim://c', driver: 'stepper' },
      ],
      axes: [],
    };
    expect(() => simulatedControllerSpecs(config)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [
          expect.objectContaining({ code: 'CONFIG_BAD_VALUE', path: 'controllers[1].path' }),
          expect.objectContaining({ code: 'CONFIG_CONFLICT', path: 'controllers[2].path' }),
          expect.objectContaining({ code: 'CONFIG_BAD_VALUE', path: 'controllers[3].driver' }),
        ],
      }),
    );
  });
});

describe('startSimulatedControllers', () => {
  it('starts a Maestro and a Dynamixel bus the binding opens by the config path, with the line settings', async () => {
    const clock = new ManualClock();
    const sims = await startSimulatedControllers(DEVICES, {
      clock,
      defaults: { pacing: false, seed: 3, faults: { dropRate: 0, stuckAxes: [1] } },
    });
    try {
      expect(sims.controllers).toEqual([]);
      expect(
        sims.links.map((link) => [link.path, link.model, link.baud, link.pacing, link.status.started]),
      ).toEqual([
        ['sim://maestro/arm', 'maestro', 115_200, false, true],
        ['sim://dynamixel/bus', 'dynamixel', 1_000_000, false, true],
        ['sim://maestro/mini', 'maestro', 115_200, false, true],
        ['sim://dynamixel/u2d2', 'dynamixel', 57_600, false, true],
      ]);
      // The config's path, settings and all, opens the link.
      const port = new SerialPortStream({
        binding: sims.binding,
        path: 'sim://maestro/mini?channels=24&crc=on',
        baudRate: 115_200,
        autoOpen: false,
      });
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      expect(port.isOpen).toBe(true);
      await new Promise<void>((resolve) => port.close(() => resolve()));
    } finally {
      await sims.close();
    }
    expect(sims.registry.list()).toEqual([]);
  });

  it('a config using axis 6 yields a controller a HostSession can HELLO and GET axis 6 on', async () => {
    const clock = new ManualClock();
    const sims = await startSimulatedControllers(CONFIG, { clock, defaults: { pacing: false } });
    try {
      expect(sims.controllers.map((c) => [c.path, c.axisCount, c.baud])).toEqual([
        ['sim://ctrl-a', 2, 460_800],
        ['sim://sim-b', 6, 115_200],
        ['sim://spare', DEFAULT_AXES, 115_200],
      ]);
      const controller = sims.registry.controller('sim://sim-b')!;
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
      expect(sims.registry.controller('sim://ctrl-a')!.axis(2)).toBeDefined();
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
