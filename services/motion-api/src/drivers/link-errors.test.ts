// Keeps the drivers' link error codes (lastError.code) and the README's table of them in sync.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINK_ERRORS } from './link-errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('link error codes', () => {
  it('the README table lists exactly the registry, in order', () => {
    const start = readme.indexOf('### Link errors');
    expect(start).toBeGreaterThanOrEqual(0);
    const end = readme.indexOf('\n## ', start);
    const rows = [...readme.slice(start, end).matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(Object.keys(LINK_ERRORS));
  });
});
