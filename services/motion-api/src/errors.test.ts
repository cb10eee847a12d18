// Keeps the error registry, the README's error table and the MotionErrorCode union in sync, and
// the README's configuration reference in sync with the config schema.

import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { MotionConfigSchema } from './config/schema.js';
import { MOTION_ERROR_CODES, MOTION_ERRORS, MotionError, type MotionErrorCode } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('error codes', () => {
  it('the README table lists exactly the registry, with the same statuses, in the same order', () => {
    const rows = [...section('Errors').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(rows).toEqual(MOTION_ERROR_CODES.map((code) => [code, MOTION_ERRORS[code].status]));
  });

  it('the MotionErrorCode union lists exactly the registry', () => {
    const union = /export type MotionErrorCode =([\s\S]*?);/.exec(source)![1]!;
    const members = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(new Set(members)).toEqual(new Set(MOTION_ERROR_CODES));
    expect(members).toHaveLength(MOTION_ERROR_CODES.length);
    // And the compiler agrees: the registry is a Record<MotionErrorCode, ...>.
    const everyCode: Record<MotionErrorCode, true> = Object.fromEntries(
      MOTION_ERROR_CODES.map((c) => [c, true]),
    ) as never;
    expect(Object.keys(everyCode)).toHaveLength(MOTION_ERROR_CODES.length);
  });

  it('statuses are 4xx/5xx and MotionError carries code and status', () => {
    for (const code of MOTION_ERROR_CODES) {
      const error = new MotionError(code);
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(600);
      expect(error.message).toBe(MOTION_ERRORS[code].title);
    }
  });
});

describe('configuration reference', () => {
  function leafPaths(schema: TSchema, prefix: string): string[] {
    if (schema.type === 'object' && schema.properties) {
      return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) =>
        leafPaths(child, prefix ? `${prefix}.${key}` : key),
      );
    }
    if (schema.type === 'array' && schema.items?.type === 'object')
      return leafPaths(schema.items, `${prefix}[]`);
    return [prefix];
  }

  it('documents every configuration key', () => {
    const documented = section('Configuration reference');
    const paths = leafPaths(MotionConfigSchema, '');
    expect(paths).toContain('auth.keys[].sha256');
    expect(paths.filter((path) => !documented.includes(`\`${path}\``))).toEqual([]);
  });

  it('says what the e-stop is not', () => {
    const safety = section('Safety');
    expect(safety).toContain('software stop');
    expect(safety).toContain('does not replace a hardwired');
    expect(safety).toContain('IEC 60204-1 / ISO 13850');
  });
});
