// The error registry, the README's table and the code union list the same codes.

import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode, isGatewayError } from './errors.js';
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
      // Config problems travel in common's ConfigError, never in a GatewayError.
      expect('problems' in error).toBe(false);
    }
  });

  it("config codes are not registry codes: they are common's (CONFIG_*), as in every package", () => {
    for (const code of Object.keys(GATEWAY_ERRORS)) expect(code).not.toMatch(/^(EDGE_)?CONFIG_/);
  });
});
