// The ring keeps the newest items only and returns them newest first.

import { describe, expect, it } from 'vitest';
import { BoundedRing } from './bounded-ring.js';

describe('BoundedRing', () => {
  it('keeps the newest `capacity` items, newest first', () => {
    const ring = new BoundedRing<number>(3);
    expect(ring.newest()).toEqual([]);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.size).toBe(3);
    expect(ring.newest()).toEqual([5, 4, 3]);
    expect(ring.newest(2)).toEqual([5, 4]);
    expect(ring.newest(0)).toEqual([]);
    expect(ring.newest(99)).toEqual([5, 4, 3]);
  });

  it('clears', () => {
    const ring = new BoundedRing<string>(2);
    ring.push('a');
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.newest()).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BoundedRing(0)).toThrow(RangeError);
    expect(() => new BoundedRing(1.5)).toThrow(RangeError);
  });
});
