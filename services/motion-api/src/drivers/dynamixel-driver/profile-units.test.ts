// Velocities and accelerations in the X-series profile units (§Profile Velocity 0.229 rev/min, §Profile
// Acceleration 214.577 rev/min²): exact where the unit allows, clamped (and flagged) where it does not.

import { describe, expect, it } from 'vitest';
import {
  PULSES_PER_S_PER_VELOCITY_UNIT,
  PULSES_PER_S2_PER_ACCELERATION_UNIT,
  profileAcceleration,
  profileVelocity,
} from './profile-units.js';

describe('Dynamixel profile units', () => {
  it('one velocity unit is 0.229 rev/min of 4096 pulses; one acceleration unit 214.577 rev/min²', () => {
    expect(PULSES_PER_S_PER_VELOCITY_UNIT).toBeCloseTo(15.633, 3);
    expect(PULSES_PER_S2_PER_ACCELERATION_UNIT).toBeCloseTo(244.14, 2);
    // 90 deg/s = 1024 pulses/s: 65.5 units, rounded.
    expect(profileVelocity(1024, 265)).toMatchObject({ units: 66, clamped: 'none' });
    expect(profileAcceleration(244.14 * 40)).toMatchObject({ units: 40, clamped: 'none' });
  });

  it('never sends 0 (infinite) for a requested rate, and never more than Velocity Limit', () => {
    expect(profileVelocity(1, 265)).toMatchObject({ units: 1, clamped: 'raised' });
    expect(profileVelocity(100_000, 265)).toMatchObject({ units: 265, clamped: 'lowered' });
    expect(profileAcceleration(1e9)).toMatchObject({ units: 32_767, clamped: 'lowered' });
  });
});
