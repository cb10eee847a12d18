// The names of the drivers motion-api has (`controllers[].driver`), apart from the seam so the config
// schema can list them without loading any driver.

export const DRIVER_KINDS = ['servo-edge', 'maestro', 'dynamixel'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/**
 * What the software stop does to an axis of a driver without a realtime stop (per axis, `softwareStop`).
 * hold: stop where it is, powered (Maestro: target = the position now; Dynamixel: Goal Position =
 * Present Position). limp: outputs off (Maestro: target 0, no pulses; Dynamixel: Torque Enable 0).
 */
export const SOFTWARE_STOP_MODES = ['hold', 'limp'] as const;
export type SoftwareStopMode = (typeof SOFTWARE_STOP_MODES)[number];
