// A move's velocity and acceleration in the X-series' profile units (ROBOTIS e-Manual, X-series
// §Profile Velocity (112): 0.229 rev/min; §Profile Acceleration (108): 214.577 rev/min²; the
// velocity-based profile), from pulses (4096 a turn) per second. 0 would mean "infinite", which no
// requested rate is: below one unit the rate is raised to one; above Velocity Limit (44) (the servo
// refuses more with a Data Limit Error) or the item's 32767, lowered. The driver reports a clamp.

import {
  ACCELERATION_UNIT_REV_PER_MIN2,
  PULSES_PER_REV,
  VELOCITY_UNIT_REV_PER_MIN,
} from '../dynamixel/control-table.js';
import { type DeviceRate, toDeviceUnits } from '../host-link/device-rate.js';

export const PULSES_PER_S_PER_VELOCITY_UNIT = (VELOCITY_UNIT_REV_PER_MIN * PULSES_PER_REV) / 60;
export const PULSES_PER_S2_PER_ACCELERATION_UNIT = (ACCELERATION_UNIT_REV_PER_MIN2 * PULSES_PER_REV) / 3600;
/** Profile Acceleration's range on the X430s (0..32767). */
export const PROFILE_ACCELERATION_MAX = 32_767;

export type ProfileRate = DeviceRate;

/** Profile Velocity for `velocityPulsesPerS`, within the servo's Velocity Limit (in the same units). */
export function profileVelocity(velocityPulsesPerS: number, velocityLimitUnits: number): ProfileRate {
  return toDeviceUnits(velocityPulsesPerS, PULSES_PER_S_PER_VELOCITY_UNIT, Math.max(1, velocityLimitUnits));
}

export function profileAcceleration(accelerationPulsesPerS2: number): ProfileRate {
  return toDeviceUnits(
    accelerationPulsesPerS2,
    PULSES_PER_S2_PER_ACCELERATION_UNIT,
    PROFILE_ACCELERATION_MAX,
  );
}

/** Present Velocity (128) units to pulses per second. */
export function velocityUnitsToPulsesPerS(units: number): number {
  return units * PULSES_PER_S_PER_VELOCITY_UNIT;
}
