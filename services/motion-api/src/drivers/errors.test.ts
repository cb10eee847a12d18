// The hardware codecs' error registry, the README's table and the DriverCodecErrorCode union list the
// same codes, in the same order.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DRIVER_CODEC_ERROR_CODES,
  DRIVER_CODEC_ERRORS,
  DriverCodecError,
  type DriverCodecErrorCode,
  isDriverCodecError,
} from './errors.js';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');

describe('hardware codec error codes', () => {
  it('the README table lists exactly the registry, in order', () => {
    const errors = readme.slice(readme.indexOf('## Errors'));
    const rows = [...errors.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(DRIVER_CODEC_ERROR_CODES);
  });

  it('the union lists exactly the registry', () => {
    const union = /export type DriverCodecErrorCode =([\s\S]*?);/.exec(source)![1]!;
    const members = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(members).toEqual(DRIVER_CODEC_ERROR_CODES);
  });

  it('every code builds an error carrying it', () => {
    for (const code of Object.keys(DRIVER_CODEC_ERRORS) as DriverCodecErrorCode[]) {
      const error = new DriverCodecError(code, 'detail');
      expect(error).toMatchObject({ code, name: 'DriverCodecError' });
      expect(isDriverCodecError(error)).toBe(true);
    }
    expect(isDriverCodecError(new Error('x'))).toBe(false);
  });
});
