// Velocities and accelerations in the Maestro's units (§5.e Set Speed, Set Acceleration): exact where the
// unit allows, clamped (and flagged) where it does not.

import { describe, expect, it } from 'vitest';
import { maestroAcceleration, maestroSpeed } from './rates.js';

describe('Maestro rates', () => {
  it('one speed unit is 100 quarter-µs/s; one acceleration unit 1250 quarter-µs/s²', () => {
    expect(maestroSpeed(2000)).toEqual({ units: 20, effective: 2000, clamped: 'none' });
    expect(maestroSpeed(2049)).toEqual({ units: 20, effective: 2000, clamped: 'none' });
    expect(maestroAcceleration(62_500)).toEqual({ units: 50, effective: 62_500, clamped: 'none' });
  });

  it('raises a rate below one unit to one (never 0, which means unlimited)', () => {
    expect(maestroSpeed(22)).toEqual({ units: 1, effective: 100, clamped: 'raised' });
    expect(maestroAcceleration(1)).toMatchObject({ units: 1, clamped: 'raised' });
    expect(maestroSpeed(50)).toMatchObject({ units: 1, clamped: 'none' });
  });

  it('lowers a rate above the maximum to the maximum', () => {
    expect(maestroSpeed(10_000_000)).toEqual({ units: 16383, effective: 1_638_300, clamped: 'lowered' });
    expect(maestroAcceleration(1_000_000)).toEqual({ units: 255, effective: 318_750, clamped: 'lowered' });
  });
});
