import { describe, expect, it } from 'vitest';
import { isValidSeq, nextSeq, seqBefore, seqDistance } from './seq.js';

describe('seq arithmetic', () => {
  it('wraps 65535 to 1, never 0', () => {
    expect(nextSeq(65535)).toBe(1);
    expect(nextSeq(1)).toBe(2);
    expect(isValidSeq(0)).toBe(false);
    expect(isValidSeq(65536)).toBe(false);
  });
  it('measures distance across the wrap', () => {
    expect(seqDistance(65535, 1)).toBe(1);
    expect(seqDistance(65534, 3)).toBe(4);
    expect(seqDistance(5, 5)).toBe(0);
    expect(seqDistance(6, 5)).toBe(65534);
  });
  it('steps back across the wrap', () => {
    expect(seqBefore(1, 1)).toBe(65535);
    expect(seqBefore(10, 32)).toBe(65513);
    expect(seqBefore(100, 32)).toBe(68);
  });
});
