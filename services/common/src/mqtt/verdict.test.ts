// Verdict validation: the vision service's messages pass, anything malformed is refused with a reason.

import { describe, expect, it } from 'vitest';
import { sampleVerdict } from '../testing/sample-verdict.js';
import { checkVerdictMessage, parseVerdictMessage, type VerdictMessage } from './verdict.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseVerdictMessage', () => {
  it("accepts the vision service's message shape", () => {
    // The vision service publishes this very type, so the compiler keeps both sides in step.
    const message: VerdictMessage = sampleVerdict();
    expect(parseVerdictMessage(bytes(message), 65_536)).toEqual({ ok: true, verdict: message });
    const pass = sampleVerdict({
      verdict: 'pass',
      reasons: [],
      productId: null,
      capturedAtMs: null,
      decoded: null,
      label: null,
    });
    expect(parseVerdictMessage(bytes(pass), 65_536)).toEqual({ ok: true, verdict: pass });
    const unreadable = sampleVerdict({ reasons: ['UNREADABLE_IMAGE'], detail: 'FRAME_BAD_JSON' });
    expect(parseVerdictMessage(bytes(unreadable), 65_536)).toMatchObject({ ok: true });
  });

  it('ignores fields it does not know', () => {
    const result = parseVerdictMessage(bytes({ ...sampleVerdict(), extra: 1 }), 65_536);
    expect(result.ok && 'extra' in result.verdict).toBe(false);
  });

  it.each<[string, unknown, string]>([
    ['not JSON', 'not json {', 'CONFIG_PARSE'],
    ['a JSON array', [1, 2], 'CONFIG_WRONG_TYPE'],
    ['a bare word', 'pass', 'CONFIG_PARSE'],
    ['a JSON string', '"pass"', 'CONFIG_WRONG_TYPE'],
    ['no productId', { ...sampleVerdict(), productId: undefined }, 'CONFIG_MISSING_KEY'],
    ['a numeric productId', sampleVerdict({ productId: 42 as unknown as string }), 'CONFIG_WRONG_TYPE'],
    ['a productId with a space', sampleVerdict({ productId: 'p 1' }), 'CONFIG_BAD_VALUE'],
    ['an unknown verdict', sampleVerdict({ verdict: 'maybe' as 'pass' }), 'CONFIG_BAD_VALUE'],
    ['reasons not a list', sampleVerdict({ reasons: 'NO_LABEL' as unknown as [] }), 'CONFIG_WRONG_TYPE'],
    ['a lower-case reason', sampleVerdict({ reasons: ['no label' as 'NO_LABEL'] }), 'CONFIG_BAD_VALUE'],
    ['a reason nobody declared', sampleVerdict({ reasons: ['TOO_SHINY' as 'NO_LABEL'] }), 'CONFIG_BAD_VALUE'],
    ['a pass with reasons', sampleVerdict({ verdict: 'pass' }), 'CONFIG_CONFLICT'],
    ['a reject without reasons', sampleVerdict({ reasons: [] }), 'CONFIG_CONFLICT'],
    [
      'NaN-ish timings',
      { ...sampleVerdict(), timings: { queueWaitMs: 'x', decodeMs: 1, totalMs: 1 } },
      'CONFIG_WRONG_TYPE',
    ],
    ['no timings', { ...sampleVerdict(), timings: undefined }, 'CONFIG_MISSING_KEY'],
    ['a string inspectedAtMs', { ...sampleVerdict(), inspectedAtMs: '1' }, 'CONFIG_WRONG_TYPE'],
    ['decoded as a string', { ...sampleVerdict(), decoded: 'x' }, 'CONFIG_WRONG_TYPE'],
    ['an empty camera', sampleVerdict({ camera: '' }), 'CONFIG_OUT_OF_RANGE'],
    ['a detail that is not a code', sampleVerdict({ detail: 'frame bad' }), 'CONFIG_BAD_VALUE'],
  ])('refuses %s', (_, value, code) => {
    const payload = typeof value === 'string' ? Buffer.from(value) : bytes(value);
    const result = parseVerdictMessage(payload, 65_536);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason.length).toBeGreaterThan(0);
      expect(result.problems.map((problem) => problem.code)).toContain(code);
    }
  });

  it('refuses oversized payloads before parsing them', () => {
    const result = parseVerdictMessage(bytes(sampleVerdict()), 16);
    expect(result).toMatchObject({ ok: false, problems: [{ code: 'CONFIG_OUT_OF_RANGE' }] });
  });

  it('survives random bytes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const payload = Buffer.from(
        Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
      );
      expect(parseVerdictMessage(payload, 65_536).ok).toBe(false);
    }
    expect(checkVerdictMessage(null).ok).toBe(false);
  });
});
