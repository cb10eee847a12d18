// GS1 YYMMDD dates: century rule (GenSpecs 7.12) and day 00 (last day of the month).

import { describe, expect, it } from 'vitest';
import { gs1DateToIso } from './dates.js';

describe('gs1DateToIso', () => {
  it.each([
    ['271130', 2026, '2027-11-30'],
    ['270900', 2026, '2027-09-30'],
    ['280200', 2026, '2028-02-29'],
    ['270200', 2026, '2027-02-28'],
    // 51 or more years ahead belongs to the previous century; 50 or more behind to the next.
    ['760101', 2026, '2076-01-01'],
    ['770101', 2026, '1977-01-01'],
    ['750101', 2025, '2075-01-01'],
    ['760101', 2025, '1976-01-01'],
    ['010101', 2099, '2101-01-01'],
    ['500101', 2099, '2050-01-01'],
  ])('%s in %i -> %s', (yymmdd, year, iso) => {
    expect(gs1DateToIso(yymmdd, year)).toBe(iso);
  });

  it.each(['270230', '271301', '270001', '2701', 'abcdef'])('%s is not a date', (yymmdd) => {
    expect(gs1DateToIso(yymmdd, 2026)).toBeUndefined();
  });
});
