// The error registry, the README's table and the code union list the same codes.

import { describe, expect, it } from 'vitest';
import {
  CONFIG_PROBLEM_CODES,
  GATEWAY_ERRORS,
  GatewayError,
  type GatewayErrorCode,
  isGatewayError,
} from './errors.js';
import { readmeSection, tableRows } from './test-support/readme.js';

describe('error registry', () => {
  it('README lists exactly the registry codes', () => {
    const documented = tableRows(readmeSection('Error codes')).map((row) => row[0]);
    expect([...documented].sort()).toEqual(Object.keys(GATEWAY_ERRORS).sort());
  });

  it('every code builds a GatewayError carrying it', () => {
    for (const code of Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[]) {
      const error = new GatewayError(code, 'detail');
      expect(error.code).toBe(code);
      expect(isGatewayError(error)).toBe(true);
      expect(error.problems).toEqual([]);
    }
  });

  it('config problem codes are registry codes', () => {
    for (const code of CONFIG_PROBLEM_CODES) expect(Object.keys(GATEWAY_ERRORS)).toContain(code);
  });
});
