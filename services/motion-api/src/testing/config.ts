// Motion configs for tests and benchmarks, declared once: the unit tests' two fake controllers with three
// axes and three keys, and the axes the simulator-backed tests and the benchmark run (a fast conveyor in
// mm, an arm in degrees). Each returns a raw (unparsed) config a test may patch before parsing.

import { parseMotionConfig } from '../config/load.js';
import type { MotionConfig } from '../config/schema.js';

export const KEYS = {
  viewer: 'viewer-key-0123456789abcdef',
  operator: 'operator-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;

type RawAxis = Record<string, unknown>;

/**
 * Axis 1 of `controller`, in mm at 100 counts/mm, travelling ±100 m at up to 2000 mm/s and 20000 mm/s²
 * (by default too): moves finish in milliseconds on a simulated controller. No homing needed.
 */
export function conveyorAxis(controller: string, overrides: RawAxis = {}): RawAxis {
  return {
    name: 'conveyor',
    controller,
    axis: 1,
    unit: 'mm',
    countsPerUnit: 100,
    minUnits: -100_000,
    maxUnits: 100_000,
    maxVelocityUnitsPerS: 2000,
    maxAccelerationUnitsPerS2: 20_000,
    defaultVelocityUnitsPerS: 2000,
    defaultAccelerationUnitsPerS2: 20_000,
    homingRequired: false,
    ...overrides,
  };
}

/** Axis 2 of `controller`, in degrees at 10 counts/deg, ±180° at up to 360°/s and 3600°/s². No homing needed. */
export function armAxis(controller: string, overrides: RawAxis = {}): RawAxis {
  return conveyorAxis(controller, {
    name: 'arm',
    axis: 2,
    unit: 'deg',
    countsPerUnit: 10,
    minUnits: -180,
    maxUnits: 180,
    maxVelocityUnitsPerS: 360,
    maxAccelerationUnitsPerS2: 3600,
    defaultVelocityUnitsPerS: 360,
    defaultAccelerationUnitsPerS2: 3600,
    ...overrides,
  });
}

/**
 * A hobby RC servo on a Maestro channel, in degrees: 1000-2000 µs is -90..+90 deg (quarter-µs counts,
 * centre 6000), up to 300 deg/s and 3000 deg/s².
 */
export function hobbyServoAxis(controller: string, channel: number, overrides: RawAxis = {}): RawAxis {
  return {
    name: `servo${channel}`,
    controller,
    axis: channel,
    unit: 'deg',
    countsPerUnit: 2000 / 90,
    countAtZero: 6000,
    minUnits: -90,
    maxUnits: 90,
    maxVelocityUnitsPerS: 300,
    maxAccelerationUnitsPerS2: 3000,
    defaultVelocityUnitsPerS: 180,
    defaultAccelerationUnitsPerS2: 1500,
    homingRequired: false,
    ...overrides,
  };
}

/** A Dynamixel X-series servo in position mode, in degrees: 4096 pulses a turn, 0 deg at 2048, ±170 deg. */
export function dynamixelAxis(
  controller: string,
  id: number,
  model = 'XL430-W250',
  overrides: RawAxis = {},
): RawAxis {
  return {
    name: `dxl${id}`,
    controller,
    axis: id,
    unit: 'deg',
    countsPerUnit: 4096 / 360,
    countAtZero: 2048,
    minUnits: -170,
    maxUnits: 170,
    maxVelocityUnitsPerS: 360,
    maxAccelerationUnitsPerS2: 3600,
    defaultVelocityUnitsPerS: 180,
    defaultAccelerationUnitsPerS2: 1800,
    homingRequired: false,
    dynamixel: { model },
    ...overrides,
  };
}

/** The unit tests' config: ctrl1 (conveyor, reject-arm) and ctrl2 (lift) at fake:// paths, three keys. */
export function rawTestConfig(): Record<string, unknown> {
  return {
    http: { host: '127.0.0.1', port: 0 },
    auth: {
      keys: [
        { id: 'dash', key: KEYS.viewer, role: 'viewer' },
        { id: 'line', key: KEYS.operator, role: 'operator' },
        { id: 'root', key: KEYS.admin, role: 'admin' },
      ],
    },
    controllers: [
      { id: 'ctrl1', path: 'fake://ctrl1', streamHz: 0 },
      { id: 'ctrl2', path: 'fake://ctrl2', streamHz: 0 },
    ],
    axes: [
      conveyorAxis('ctrl1', {
        minUnits: -10,
        maxUnits: 1000,
        maxVelocityUnitsPerS: 500,
        maxAccelerationUnitsPerS2: 5000,
        defaultVelocityUnitsPerS: 200,
        defaultAccelerationUnitsPerS2: 1000,
      }),
      armAxis('ctrl1', {
        name: 'reject-arm',
        minUnits: -90,
        maxUnits: 90,
        maxVelocityUnitsPerS: 180,
        maxAccelerationUnitsPerS2: 1800,
        defaultVelocityUnitsPerS: 90,
        defaultAccelerationUnitsPerS2: 900,
        followingErrorLimitUnits: 2,
        homingRequired: true,
      }),
      conveyorAxis('ctrl2', {
        name: 'lift',
        countsPerUnit: 50,
        minUnits: 0,
        maxUnits: 300,
        maxVelocityUnitsPerS: 100,
        maxAccelerationUnitsPerS2: 1000,
        defaultVelocityUnitsPerS: 50,
        defaultAccelerationUnitsPerS2: 500,
      }),
    ],
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, connectTimeoutMs: 500 },
  };
}

/** rawTestConfig(), patched, parsed. */
export function testConfig(patch: (raw: Record<string, unknown>) => void = () => {}): MotionConfig {
  const raw = rawTestConfig();
  patch(raw);
  return parseMotionConfig(raw);
}
