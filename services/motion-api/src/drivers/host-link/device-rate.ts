// A requested rate (counts/s, counts/s²) in a device's own whole units, within what the device can
// express. 0 means "unlimited" on the Maestro (Set Speed, Set Acceleration, Pololu Maestro User's Guide
// §5.e) and "infinite" on an X-series servo (Profile Velocity, Profile Acceleration, ROBOTIS e-Manual),
// which no requested rate is: below one unit the rate is raised to one, above the device's maximum it
// is lowered to it, and the driver reports the clamp rather than run a rate nobody asked for silently.

export interface DeviceRate {
  /** The value written, in the device's units. */
  units: number;
  /** What that value means, counts/s or counts/s². */
  effective: number;
  /** The requested rate was below 1 unit (runs faster than asked) or above the maximum (runs slower). */
  clamped: 'none' | 'raised' | 'lowered';
}

/** `requested` in units of `perUnit` (counts per unit), rounded, within 1..`max`. */
export function toDeviceUnits(requested: number, perUnit: number, max: number): DeviceRate {
  const exact = requested / perUnit;
  const units = Math.min(max, Math.max(1, Math.round(exact)));
  const clamped = exact < 0.5 ? 'raised' : exact > max + 0.5 ? 'lowered' : 'none';
  return { units, effective: units * perUnit, clamped };
}
