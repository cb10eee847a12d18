// A station's check: a good one is read, garbage is refused with a code, never half-trusted.

import { describe, expect, it } from 'vitest';
import { MAX_STATION_CHECK_BYTES, parseStationCheck } from './station-check.js';

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const good = {
  ok: false,
  conveyorPositionMm: 10_412.5,
  checkedAtMs: 1_767_225_600_000,
  reason: 'UNDERWEIGHT',
};

describe('parseStationCheck', () => {
  it('reads a check and drops fields it does not know', () => {
    expect(parseStationCheck(bytes({ ...good, grams: 9.1 }))).toEqual({ ok: true, value: good });
    const { reason: _, ...passed } = { ...good, ok: true };
    expect(parseStationCheck(bytes(passed))).toEqual({ ok: true, value: passed });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"ok":', 'CONFIG_PARSE'],
    ['a list', [good], 'CONFIG_WRONG_TYPE'],
    ['ok as a string', { ...good, ok: 'false' }, 'CONFIG_WRONG_TYPE'],
    ['no ok', { ...good, ok: undefined }, 'CONFIG_MISSING_KEY'],
    ['no position', { ...good, conveyorPositionMm: undefined }, 'CONFIG_MISSING_KEY'],
    ['a reason that is not a code', { ...good, reason: 'too light' }, 'CONFIG_BAD_VALUE'],
  ])('refuses %s', (_, value, code) => {
    const result = parseStationCheck(bytes(value));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.code)).toContain(code);
  });

  it('refuses an oversized payload before parsing it', () => {
    const padded = bytes({ ...good, note: 'x'.repeat(MAX_STATION_CHECK_BYTES) });
    expect(parseStationCheck(padded)).toMatchObject({
      ok: false,
      problems: [{ code: 'CONFIG_OUT_OF_RANGE' }],
    });
  });
});
