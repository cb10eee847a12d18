// The driver for a controller, by `controllers[].driver`: the one place that knows every driver.

import type { ControllerDriver, DriverKind, DriverOptions } from './driver.js';
import { createDynamixelDriver } from './dynamixel-driver/dynamixel-driver.js';
import { createMaestroDriver } from './maestro-driver/maestro-driver.js';
import { createServoEdgeDriver } from './servo-edge/servo-edge-driver.js';

/** Creates a driver; does no I/O. */
export type DriverFactory = (options: DriverOptions) => ControllerDriver;

const FACTORIES: Record<DriverKind, DriverFactory | undefined> = {
  'servo-edge': createServoEdgeDriver,
  maestro: createMaestroDriver,
  dynamixel: createDynamixelDriver,
};

/** Creates (no I/O) the driver the controller's config names; `overrides` replace a kind's factory (tests). */
export function createDriver(
  kind: DriverKind,
  options: DriverOptions,
  overrides: Partial<Record<DriverKind, DriverFactory>> = {},
): ControllerDriver {
  const factory = overrides[kind] ?? FACTORIES[kind];
  if (!factory) throw new Error(`controller ${options.config.id}: the ${kind} driver is not available yet`);
  return factory(options);
}
