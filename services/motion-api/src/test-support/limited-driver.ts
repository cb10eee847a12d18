// A servo-edge driver that declares less than it can: for tests of what the service does with a driver's
// capabilities (refusals with NOT_SUPPORTED_BY_CONTROLLER, absolute positions), without a second protocol.

import type { DriverFactory } from '../drivers/create-driver.js';
import type { DriverCapabilities } from '../drivers/driver.js';
import { createServoEdgeDriver } from '../drivers/servo-edge/servo-edge-driver.js';

/** The servo-edge driver with `patch` over its capabilities (commands merged key by key). */
export function limitedServoEdge(
  patch: Partial<Omit<DriverCapabilities, 'commands'>> & {
    commands?: Partial<DriverCapabilities['commands']>;
  },
): DriverFactory {
  return (options) => {
    const driver = createServoEdgeDriver(options);
    // A getter, as the driver's own: its capabilities follow the version negotiated.
    const capabilities = (): DriverCapabilities => ({
      ...driver.capabilities,
      ...patch,
      commands: { ...driver.capabilities.commands, ...patch.commands },
    });
    // Everything else is the real driver: its methods run with `this` reaching it through the prototype.
    return Object.defineProperty(Object.create(driver) as typeof driver, 'capabilities', {
      get: capabilities,
    });
  };
}
