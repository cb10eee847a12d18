// Typo hints: transpositions, case, missing unit suffixes, and no hint for unrelated names.

import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest } from './suggest.js';

describe('nearest', () => {
  it.each([
    ['hots', ['host', 'port'], ['host']],
    ['PortTCP', ['portTcp', 'portWs'], ['portTcp']],
    ['rateLimit', ['rateLimitPerMin', 'host'], ['rateLimitPerMin']],
    ['drainTimeoutS', ['drainTimeoutMs', 'connectTimeoutMs'], ['drainTimeoutMs']],
    ['port', ['portTcp', 'portWs', 'host'], ['portTcp', 'portWs']],
    ['banana', ['host', 'port'], []],
  ])('%s among %j -> %j', (input, candidates, expected) => {
    expect(nearest(input, candidates)).toEqual(expected);
  });

  it('edit distance counts a transposition once', () => {
    expect(editDistance('hots', 'host')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('phrases the hint', () => {
    expect(didYouMean([])).toBeUndefined();
    expect(didYouMean(['a'])).toBe('did you mean `a`?');
    expect(didYouMean(['a', 'b'])).toBe('did you mean `a` or `b`?');
  });
});
