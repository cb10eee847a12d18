// A move's velocity and acceleration in the Maestro's own units (Pololu Maestro User's Guide §4.b Channel
// Settings, §5.e Set Speed and Set Acceleration): speed in (0.25 µs)/(10 ms), 1..16383; acceleration in
// (0.25 µs)/(10 ms)/(80 ms), 1..255; both at the default 20 ms period. Counts are quarter-microseconds,
// so one speed unit is 100 counts/s and one acceleration unit 1250 counts/s². 0 would mean "unlimited",
// which no requested rate is: a rate the Maestro cannot express is clamped to the nearest it can, and the
// driver reports the clamp.

import { type DeviceRate, toDeviceUnits } from '../host-link/device-rate.js';
import {
  MAESTRO_ACCELERATION_MAX,
  MAESTRO_ACCELERATION_UNIT_US_PER_S2,
  MAESTRO_SPEED_MAX,
  MAESTRO_SPEED_UNIT_US_PER_S,
} from '../maestro/commands.js';

/** Quarter-microseconds per microsecond: the Maestro's position count. */
const COUNTS_PER_US = 4;
export const COUNTS_PER_S_PER_SPEED_UNIT = MAESTRO_SPEED_UNIT_US_PER_S * COUNTS_PER_US;
export const COUNTS_PER_S2_PER_ACCELERATION_UNIT = MAESTRO_ACCELERATION_UNIT_US_PER_S2 * COUNTS_PER_US;

export type MaestroRate = DeviceRate;

/** Set Speed for a move at `velocityCountsPerS` (quarter-µs per second). */
export function maestroSpeed(velocityCountsPerS: number): MaestroRate {
  return toDeviceUnits(velocityCountsPerS, COUNTS_PER_S_PER_SPEED_UNIT, MAESTRO_SPEED_MAX);
}

/** Set Acceleration for a move at `accelerationCountsPerS2` (quarter-µs per second²). */
export function maestroAcceleration(accelerationCountsPerS2: number): MaestroRate {
  return toDeviceUnits(
    accelerationCountsPerS2,
    COUNTS_PER_S2_PER_ACCELERATION_UNIT,
    MAESTRO_ACCELERATION_MAX,
  );
}
