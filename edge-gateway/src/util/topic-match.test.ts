// Topic filter matching per MQTT 3.1.1 section 4.7, and "is this filter inside the prefix".

import { describe, expect, it } from 'vitest';
import { filterWithinPrefix, stripSharePrefix, topicMatches } from './topic-match.js';

describe('topicMatches', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['$share/g/a/+', 'a/b', true],
    ['a//b', 'a//b', true],
  ])('%s ~ %s -> %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filterWithinPrefix', () => {
  it.each([
    ['p/l/#', true],
    ['p/l/+/state', true],
    ['$share/vision/p/l/camera/+/frame', true],
    ['p/l', false],
    ['p/#', false],
    ['p/+/inspection', false],
    ['#', false],
    ['$SYS/#', false],
    ['p/lx/#', false],
  ])('%s inside p/l -> %s', (filter, expected) => {
    expect(filterWithinPrefix(filter, 'p/l')).toBe(expected);
  });

  it('strips shared-subscription prefixes', () => {
    expect(stripSharePrefix('$share/g/a/b')).toBe('a/b');
    expect(stripSharePrefix('$share/g')).toBe('');
    expect(stripSharePrefix('a/b')).toBe('a/b');
  });
});
