// Line damage: rates, direction, and garbage that never forges an e-stop toward the device.

import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import { describe, expect, it } from 'vitest';
import type { FaultCounts } from '../types.js';
import { damageBytes, garbage, type LineFaultState } from './line-faults.js';

const zero = (): FaultCounts => ({
  corrupted: 0,
  dropped: 0,
  duplicated: 0,
  withheldReplies: 0,
  garbageBytes: 0,
});
const faults = (patch: Partial<LineFaultState>): LineFaultState => ({
  corruptRate: 0,
  dropRate: 0,
  duplicateRate: 0,
  extraLatencyMs: 0,
  direction: 'both',
  ...patch,
});

describe('damageBytes', () => {
  const input = Buffer.alloc(100_000, 0x41);

  it('drops, flips one bit and duplicates at about the configured rates', () => {
    const counts = zero();
    const out = damageBytes(
      input,
      'toDevice',
      faults({ corruptRate: 0.01, dropRate: 0.02, duplicateRate: 0.03 }),
      seededRandom(3),
      counts,
    );
    expect(counts.dropped / input.length).toBeCloseTo(0.02, 2);
    expect(counts.corrupted / input.length).toBeCloseTo(0.01, 2);
    expect(counts.duplicated / input.length).toBeCloseTo(0.03, 2);
    expect(out.length).toBe(input.length - counts.dropped + counts.duplicated);
    for (const b of out) {
      if (b !== 0x41) expect([1, 2, 4, 8, 16, 32, 64, 128]).toContain(b ^ 0x41);
    }
  });

  it('applies only in the configured direction, and returns the input untouched otherwise', () => {
    const counts = zero();
    expect(
      damageBytes(input, 'toHost', faults({ dropRate: 1, direction: 'toDevice' }), seededRandom(1), counts),
    ).toBe(input);
    expect(
      damageBytes(input, 'toDevice', faults({ dropRate: 1, direction: 'toDevice' }), seededRandom(1), counts),
    ).toHaveLength(0);
    expect(damageBytes(input, 'toHost', faults({}), seededRandom(1), counts)).toBe(input);
  });
});

describe('garbage', () => {
  it('toward the device never contains 0x18 (that would be an e-stop, not noise)', () => {
    expect(garbage(100_000, 'toDevice', seededRandom(9)).includes(0x18)).toBe(false);
    expect(garbage(100_000, 'toHost', seededRandom(9)).includes(0x18)).toBe(true);
  });

  it('toward the device never contains 0x96, so no burst can hold the v2 stop (three in a row)', () => {
    const seed = 9;
    const toDevice = garbage(100_000, 'toDevice', seededRandom(seed));
    expect(toDevice.includes(0x96), `seed ${seed}`).toBe(false);
    // The same draw toward the host is untouched: 0x96 occurs, and so the filter above is what removes it.
    const toHost = garbage(100_000, 'toHost', seededRandom(seed));
    expect(toHost.includes(0x96)).toBe(true);
    // Every other byte value still occurs: garbage is still garbage.
    expect(new Set(toDevice).size).toBe(254);
  });
});

describe('damageBytes and the v2 stop', () => {
  it('one bit flipped in any line byte never makes 0x96 (§v2 Stop), while it can make 0x18', () => {
    const lineBytes = [0x0a, 0x0d, ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i)];
    const flips = lineBytes.flatMap((byte) => [0, 1, 2, 3, 4, 5, 6, 7].map((bit) => byte ^ (1 << bit)));
    expect(flips.includes(0x96)).toBe(false);
    expect(flips.includes(0x18)).toBe(true);
  });
});
