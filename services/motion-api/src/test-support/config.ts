// Test configurations: two fake controllers, three axes, three API keys; overridable per test.

import { parseMotionConfig } from '../config/load.js';
import type { MotionConfig } from '../config/schema.js';

export const KEYS = {
  viewer: 'viewer-key-0123456789abcdef',
  operator: 'operator-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;

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
      {
        name: 'conveyor',
        controller: 'ctrl1',
        axis: 1,
        unit: 'mm',
        countsPerUnit: 100,
        minUnits: -10,
        maxUnits: 1000,
        maxVelocityUnitsPerS: 500,
        maxAccelerationUnitsPerS2: 5000,
        defaultVelocityUnitsPerS: 200,
        defaultAccelerationUnitsPerS2: 1000,
        homingRequired: false,
      },
      {
        name: 'reject-arm',
        controller: 'ctrl1',
        axis: 2,
        unit: 'deg',
        countsPerUnit: 10,
        minUnits: -90,
        maxUnits: 90,
        maxVelocityUnitsPerS: 180,
        maxAccelerationUnitsPerS2: 1800,
        defaultVelocityUnitsPerS: 90,
        defaultAccelerationUnitsPerS2: 900,
        followingErrorLimitUnits: 2,
        homingRequired: true,
      },
      {
        name: 'lift',
        controller: 'ctrl2',
        axis: 1,
        unit: 'mm',
        countsPerUnit: 50,
        minUnits: 0,
        maxUnits: 300,
        maxVelocityUnitsPerS: 100,
        maxAccelerationUnitsPerS2: 1000,
        defaultVelocityUnitsPerS: 50,
        defaultAccelerationUnitsPerS2: 500,
        homingRequired: false,
      },
    ],
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, connectTimeoutMs: 500 },
  };
}

export function testConfig(patch: (raw: Record<string, unknown>) => void = () => {}): MotionConfig {
  const raw = rawTestConfig();
  patch(raw);
  return parseMotionConfig(raw);
}
