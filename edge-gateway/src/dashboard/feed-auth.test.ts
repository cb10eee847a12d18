// The key-in-subprotocol wrapping: round trip, and every malformed offer refused.

import { describe, expect, it } from 'vitest';
import { BEARER_PROTOCOL_PREFIX, FEED_PROTOCOL, keyFromProtocols, protocolsForKey } from './feed-auth.js';

describe('feed auth subprotocols', () => {
  it('round-trips any printable key, including characters a token may not hold', () => {
    for (const key of ['abcDEF-123_xyz', 'a/b+c=d,e;"f"', '~'.repeat(512)]) {
      expect(keyFromProtocols(protocolsForKey(key).join(', '))).toBe(key);
    }
  });

  it('reads the header as ws gives it (one string) or as a list', () => {
    expect(keyFromProtocols(protocolsForKey('k-1234567890'))).toBe('k-1234567890');
  });

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['no feed protocol', `${BEARER_PROTOCOL_PREFIX}${Buffer.from('key').toString('base64url')}`],
    ['no bearer', FEED_PROTOCOL],
    ['not base64url', `${FEED_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}a+b/`],
    [
      'control characters',
      `${FEED_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${Buffer.from('a\nb').toString('base64url')}`,
    ],
    ['a space', `${FEED_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${Buffer.from('a b').toString('base64url')}`],
    [
      'too long',
      `${FEED_PROTOCOL}, ${BEARER_PROTOCOL_PREFIX}${Buffer.from('k'.repeat(513)).toString('base64url')}`,
    ],
  ])('refuses %s', (_name, header) => {
    expect(keyFromProtocols(header)).toBeUndefined();
  });
});
