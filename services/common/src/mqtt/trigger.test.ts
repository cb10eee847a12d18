// The camera trigger: a good trigger is read, garbage is refused with a code, never half-trusted.

import { describe, expect, it } from 'vitest';
import { MAX_TRIGGER_BYTES, parseCameraTrigger } from './trigger.js';

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const good = { productId: 'P-000123', capturedAtMs: 1_767_225_600_000, conveyorPositionMm: 412.5 };

describe('parseCameraTrigger', () => {
  it('reads a trigger and drops fields it does not know', () => {
    expect(parseCameraTrigger(bytes({ ...good, exposureUs: 300 }))).toEqual({ ok: true, value: good });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"productId":', 'CONFIG_PARSE'],
    ['a list', [good], 'CONFIG_WRONG_TYPE'],
    ['null', 'null', 'CONFIG_WRONG_TYPE'],
    ['a bad productId', { ...good, productId: 'P 1' }, 'CONFIG_BAD_VALUE'],
    ['no productId', { ...good, productId: undefined }, 'CONFIG_MISSING_KEY'],
    ['a string time', { ...good, capturedAtMs: 'now' }, 'CONFIG_WRONG_TYPE'],
    ['no position', { ...good, conveyorPositionMm: undefined }, 'CONFIG_MISSING_KEY'],
  ])('refuses %s', (_, value, code) => {
    const result = parseCameraTrigger(bytes(value));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.code)).toContain(code);
  });

  it('refuses an oversized payload before parsing it', () => {
    const padded = bytes({ ...good, note: 'x'.repeat(MAX_TRIGGER_BYTES) });
    expect(parseCameraTrigger(padded)).toMatchObject({
      ok: false,
      problems: [{ code: 'CONFIG_OUT_OF_RANGE' }],
    });
  });
});
