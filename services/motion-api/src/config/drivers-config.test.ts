// The config of the drivers: `controllers[].driver` and its settings, each driver's axis addresses and
// count range, the mapping to user units (countAtZero), and the software stop per axis. Every mistake
// gets a common code at its path; a driver's setting on another driver is CONFIG_CONFLICT.

import { ConfigError, type ConfigProblem, type ConfigProblemCode } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import { X_SERIES_MODEL_NUMBERS } from '../drivers/dynamixel/control-table.js';
import { MAESTRO_CHANNEL_COUNTS } from '../drivers/maestro/commands.js';
import { dynamixelAxis, hobbyServoAxis, rawTestConfig } from '../testing/config.js';
import { parseMotionConfig } from './load.js';
import { DYNAMIXEL_MODEL_CHOICES, MAESTRO_CHANNEL_CHOICES } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary (also wrong) config shapes.
type Raw = Record<string, any>;

/** The unit tests' config plus a Maestro (`servos`, 12 channels) and a Dynamixel bus (`bus`). */
function rawWithDrivers(): Raw {
  const raw = rawTestConfig() as Raw;
  raw.controllers.push(
    { id: 'servos', driver: 'maestro', path: '/dev/ttyACM1', maestro: { channels: 12 } },
    { id: 'bus', driver: 'dynamixel', path: '/dev/ttyUSB0', baud: 57_600, watchdogMs: 100 },
  );
  raw.axes.push(
    hobbyServoAxis('servos', 0, { softwareStop: 'limp' }),
    hobbyServoAxis('servos', 11),
    dynamixelAxis('bus', 1),
    dynamixelAxis('bus', 2, 'XM430-W350', {
      dynamixel: { model: 'XM430-W350', operatingMode: 'extended-position' },
    }),
  );
  return raw;
}

function problemsOf(patch: (raw: Raw) => void): readonly ConfigProblem[] {
  const raw = rawWithDrivers();
  patch(raw);
  try {
    parseMotionConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected CONFIG_INVALID');
}

const axisNamed = (raw: Raw, name: string) => raw.axes.find((a: Raw) => a.name === name);
const controllerNamed = (raw: Raw, id: string) => raw.controllers.find((c: Raw) => c.id === id);

describe('driver config', () => {
  it("lists the codecs' Maestro models and Dynamixel models", () => {
    expect([...MAESTRO_CHANNEL_CHOICES]).toEqual([...MAESTRO_CHANNEL_COUNTS]);
    expect([...DYNAMIXEL_MODEL_CHOICES]).toEqual(Object.keys(X_SERIES_MODEL_NUMBERS));
  });

  it('accepts every driver, fills each one defaults, and leaves servo-edge controllers as they were', () => {
    const config = parseMotionConfig(rawWithDrivers());
    expect(config.controllers.map((c) => c.driver)).toEqual([
      'servo-edge',
      'servo-edge',
      'maestro',
      'dynamixel',
    ]);
    expect(config.controllers[0]).not.toHaveProperty('maestro');
    expect(config.controllers[2]!.maestro).toEqual({
      channels: 12,
      protocol: 'compact',
      deviceNumber: 12,
      crc7: false,
      errorPollMs: 1000,
    });
    expect(config.controllers[3]!.dynamixel).toBeUndefined();
    const servo = config.axes.find((a) => a.name === 'servo0')!;
    expect(servo).toMatchObject({ axis: 0, countAtZero: 6000, softwareStop: 'limp' });
    expect(config.axes[0]!.countAtZero).toBe(0);
    expect(config.axes.find((a) => a.name === 'dxl1')!.dynamixel).toEqual({
      model: 'XL430-W250',
      operatingMode: 'position',
    });
  });

  it.each<[string, (raw: Raw) => void, string, ConfigProblemCode]>([
    [
      'an unknown driver',
      (r) => (r.controllers[0].driver = 'maestr'),
      'controllers[0].driver',
      'CONFIG_BAD_VALUE',
    ],
    [
      'a Maestro channel above 23',
      (r) => (axisNamed(r, 'servo11').axis = 24),
      'axes[4].axis',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a channel the Maestro model does not have',
      (r) => (axisNamed(r, 'servo11').axis = 12),
      'axes[4].axis',
      'CONFIG_OUT_OF_RANGE',
    ],
    ['servo-edge axis 0', (r) => (r.axes[0].axis = 0), 'axes[0].axis', 'CONFIG_OUT_OF_RANGE'],
    ['servo-edge axis 65', (r) => (r.axes[0].axis = 65), 'axes[0].axis', 'CONFIG_OUT_OF_RANGE'],
    [
      'a Dynamixel ID above 252',
      (r) => (axisNamed(r, 'dxl1').axis = 253),
      'axes[5].axis',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'maestro settings on a servo-edge controller',
      (r) => (r.controllers[0].maestro = { channels: 6 }),
      'controllers[0].maestro',
      'CONFIG_CONFLICT',
    ],
    [
      'dynamixel settings on a maestro controller',
      (r) => (controllerNamed(r, 'servos').dynamixel = {}),
      'controllers[2].dynamixel',
      'CONFIG_CONFLICT',
    ],
    [
      'a maestro controller without its model',
      (r) => delete controllerNamed(r, 'servos').maestro,
      'controllers[2].maestro',
      'CONFIG_MISSING_KEY',
    ],
    [
      'a Maestro model that does not exist',
      (r) => (controllerNamed(r, 'servos').maestro.channels = 8),
      'controllers[2].maestro.channels',
      'CONFIG_BAD_VALUE',
    ],
    [
      'a device number above 127',
      (r) => (controllerNamed(r, 'servos').maestro.deviceNumber = 128),
      'controllers[2].maestro.deviceNumber',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'Dynamixel protocol 1.0',
      (r) => (controllerNamed(r, 'bus').dynamixel = { protocol: '1.0' }),
      'controllers[3].dynamixel.protocol',
      'CONFIG_BAD_VALUE',
    ],
    [
      'a baud a Dynamixel bus does not run at',
      (r) => (controllerNamed(r, 'bus').baud = 250_000),
      'controllers[3].baud',
      'CONFIG_BAD_VALUE',
    ],
    [
      'a Bus Watchdog beyond 2540 ms',
      (r) => (controllerNamed(r, 'bus').watchdogMs = 2560),
      'controllers[3].watchdogMs',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a Bus Watchdog off its 20 ms steps',
      (r) => (controllerNamed(r, 'bus').watchdogMs = 110),
      'controllers[3].watchdogMs',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a watchdog on a Maestro',
      (r) => (controllerNamed(r, 'servos').watchdogMs = 500),
      'controllers[2].watchdogMs',
      'CONFIG_CONFLICT',
    ],
    [
      'a software stop on a servo-edge axis',
      (r) => (r.axes[0].softwareStop = 'limp'),
      'axes[0].softwareStop',
      'CONFIG_CONFLICT',
    ],
    [
      'an unknown software stop',
      (r) => (axisNamed(r, 'servo0').softwareStop = 'brake'),
      'axes[3].softwareStop',
      'CONFIG_BAD_VALUE',
    ],
    [
      'dynamixel axis settings on a Maestro channel',
      (r) => (axisNamed(r, 'servo0').dynamixel = { model: 'XL430-W250' }),
      'axes[3].dynamixel',
      'CONFIG_CONFLICT',
    ],
    [
      'an unknown Dynamixel model',
      (r) => (axisNamed(r, 'dxl1').dynamixel.model = 'XL320'),
      'axes[5].dynamixel.model',
      'CONFIG_BAD_VALUE',
    ],
    [
      'a following-error limit on a Maestro channel',
      (r) => (axisNamed(r, 'servo0').followingErrorLimitUnits = 1),
      'axes[3].followingErrorLimitUnits',
      'CONFIG_CONFLICT',
    ],
    [
      'a Maestro limit below 1 quarter-µs',
      (r) => (axisNamed(r, 'servo0').minUnits = -300),
      'axes[3].minUnits',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a Dynamixel limit beyond one turn in position mode',
      (r) => (axisNamed(r, 'dxl1').maxUnits = 190),
      'axes[5].maxUnits',
      'CONFIG_OUT_OF_RANGE',
    ],
  ])('refuses %s, naming %s with %s', (_name, patch, path, code) => {
    expect(problemsOf(patch).map((p) => [p.path, p.code])).toContainEqual([path, code]);
  });

  it('takes a multi-turn Dynamixel limit in extended position mode', () => {
    const raw = rawWithDrivers();
    Object.assign(axisNamed(raw, 'dxl2'), { minUnits: -3600, maxUnits: 3600 });
    expect(() => parseMotionConfig(raw)).not.toThrow();
    Object.assign(axisNamed(raw, 'dxl2'), { maxUnits: 100_000 });
    expect(() => parseMotionConfig(raw)).toThrow(ConfigError);
  });
});
