// GS1 element string parsing: table-driven cases, every failure code, and random input properties.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GS, parseElementString } from './element-string.js';

describe('parseElementString', () => {
  it.each([
    [
      'fixed-length elements need no separator',
      '01095060001343521727113010L24A17',
      { '01': '09506000134352', '17': '271130', '10': 'L24A17' },
    ],
    [
      'a variable-length element ends at GS',
      `0109506000134352${GS}10AB12${GS}17261231`,
      { '01': '09506000134352', '10': 'AB12', '17': '261231' },
    ],
    ['a leading GS (first FNC1) is tolerated', `${GS}0109506000134352`, { '01': '09506000134352' }],
    [
      'a redundant GS after a fixed element is tolerated',
      `0109506000134352${GS}10X`,
      { '01': '09506000134352', '10': 'X' },
    ],
    [
      '3- and 4-digit AIs',
      `0109506000134352310200125024012345${GS}21S1`,
      { '01': '09506000134352', '3102': '001250', '240': '12345', '21': 'S1' },
    ],
    [
      'human-readable form',
      '(01)09506000134352(17)271130(10)L24A17',
      { '01': '09506000134352', '17': '271130', '10': 'L24A17' },
    ],
    ['day 00 in a date', '17270900', { '17': '270900' }],
  ])('%s', (_name, text, expected) => {
    const result = parseElementString(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.fromEntries(result.byAi)).toEqual(expected);
  });

  it.each([
    ['GS1_EMPTY', ''],
    ['GS1_EMPTY', GS],
    ['GS1_EMPTY', '(not hri'],
    ['GS1_UNKNOWN_AI', '0509506000134352'],
    ['GS1_UNKNOWN_AI', '0'],
    ['GS1_UNKNOWN_AI', '(05)123'],
    ['GS1_BAD_LENGTH', '01123'],
    ['GS1_BAD_LENGTH', `10${GS}`],
    ['GS1_BAD_LENGTH', `10${'A'.repeat(21)}`],
    ['GS1_BAD_LENGTH', '(01)123'],
    ['GS1_BAD_VALUE', '010950600013435X'],
    ['GS1_BAD_VALUE', '17271301'],
    ['GS1_BAD_VALUE', '17270132'],
    ['GS1_BAD_VALUE', '10AB CD'],
    ['GS1_BAD_LENGTH', '(01)09506000134352trailing'],
    ['GS1_BAD_VALUE', '(10)AB)'],
    ['GS1_DUPLICATE_AI', `10A${GS}10B`],
  ])('%s for %j', (code, text) => {
    const result = parseElementString(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it('accepts a repeated AI with the same value', () => {
    expect(parseElementString(`10A${GS}10A`).ok).toBe(true);
  });

  it('round-trips element strings built from known AIs (property)', () => {
    const lot = fc.stringMatching(/^[A-Z0-9-]{1,20}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{14}$/),
        lot,
        fc.stringMatching(/^\d\d(0[1-9]|1[0-2])([0-2]\d|30)$/),
        fc.boolean(),
        (gtin, lotValue, expiry, lotFirst) => {
          // A variable-length element is followed by GS unless it comes last.
          const text = lotFirst
            ? `01${gtin}10${lotValue}${GS}17${expiry}`
            : `01${gtin}17${expiry}10${lotValue}`;
          const result = parseElementString(text);
          expect(result.ok && Object.fromEntries(result.byAi)).toEqual({
            '01': gtin,
            '10': lotValue,
            '17': expiry,
          });
        },
      ),
    );
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('0', '1', '7', '(', ')', GS, 'A', '9', '3'), maxLength: 60 }),
        (text) => {
          const result = parseElementString(text);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 5000 },
    );
  });
});
