// Verdict validation: the vision service's messages pass, anything malformed is refused with a reason.

import type { VerdictMessage } from '@servo-edge/vision';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { sampleVerdict } from '../test-support/sample-verdict.js';
import {
  checkInspectionVerdict,
  type InspectionVerdict,
  parseInspectionVerdict,
} from './inspection-verdict.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseInspectionVerdict', () => {
  it("accepts the vision service's message shape", () => {
    // Compile-time: every VerdictMessage the vision service can publish is an InspectionVerdict.
    expectTypeOf<VerdictMessage>().toExtend<InspectionVerdict>();
    const message = sampleVerdict();
    expect(parseInspectionVerdict(bytes(message), 65_536)).toEqual({ ok: true, verdict: message });
    const pass = sampleVerdict({
      verdict: 'pass',
      reasons: [],
      productId: null,
      capturedAtMs: null,
      decoded: null,
      label: null,
    });
    expect(parseInspectionVerdict(bytes(pass), 65_536)).toEqual({ ok: true, verdict: pass });
    const unreadable = sampleVerdict({ reasons: ['UNREADABLE_IMAGE'], detail: 'FRAME_BAD_JSON' });
    expect(parseInspectionVerdict(bytes(unreadable), 65_536)).toMatchObject({ ok: true });
  });

  it('ignores fields it does not know', () => {
    const result = parseInspectionVerdict(bytes({ ...sampleVerdict(), extra: 1 }), 65_536);
    expect(result.ok && 'extra' in result.verdict).toBe(false);
  });

  it.each<[string, unknown]>([
    ['not JSON', 'not json {'],
    ['a JSON array', [1, 2]],
    ['a JSON string', 'pass'],
    ['no productId', { ...sampleVerdict(), productId: undefined }],
    ['a numeric productId', sampleVerdict({ productId: 42 as unknown as string })],
    ['an unknown verdict', sampleVerdict({ verdict: 'maybe' as 'pass' })],
    ['reasons not a list', sampleVerdict({ reasons: 'NO_LABEL' as unknown as string[] })],
    ['a lower-case reason', sampleVerdict({ reasons: ['no label'] })],
    ['a pass with reasons', sampleVerdict({ verdict: 'pass' })],
    ['a reject without reasons', sampleVerdict({ reasons: [] })],
    ['NaN-ish timings', { ...sampleVerdict(), timings: { queueWaitMs: 'x', decodeMs: 1, totalMs: 1 } }],
    ['no timings', { ...sampleVerdict(), timings: undefined }],
    ['a string inspectedAtMs', { ...sampleVerdict(), inspectedAtMs: '1' }],
    ['decoded as a string', { ...sampleVerdict(), decoded: 'x' }],
    ['an empty camera', sampleVerdict({ camera: '' })],
  ])('refuses %s', (_, value) => {
    const payload = typeof value === 'string' ? Buffer.from(value) : bytes(value);
    const result = parseInspectionVerdict(payload, 65_536);
    expect(result.ok).toBe(false);
  });

  it('refuses oversized payloads before parsing them', () => {
    expect(parseInspectionVerdict(bytes(sampleVerdict()), 16)).toMatchObject({ ok: false });
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
      expect(parseInspectionVerdict(payload, 65_536).ok).toBe(false);
    }
    expect(checkInspectionVerdict(null).ok).toBe(false);
  });
});
