// The README's config reference is the schema's (key, default, doc line); its env table lists the override
// variables; its config code table lists the common config codes.

import { CONFIG_PROBLEM_CODES, configKeyRows } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import { readmeSection, tableRows, unquote } from '../test-support/readme.js';
import { ENV_OVERRIDES } from './env.js';
import { GatewayConfigSchema } from './schema.js';

/** The motion section's keys are documented once, in the motion API's README; the gateway lists `motion` itself. */
const gatewayRows = () => configKeyRows(GatewayConfigSchema).filter((row) => !row.path.startsWith('motion.'));

describe('README config reference', () => {
  const documented = tableRows(readmeSection('Config reference'));

  it('documents every key, and only real keys, in schema order', () => {
    expect(documented.map((row) => unquote(row[0] ?? ''))).toEqual(gatewayRows().map((row) => row.path));
  });

  it("shows each key's doc line (the schema's description) and default", () => {
    const byPath = new Map(documented.map((row) => [unquote(row[0] ?? ''), row]));
    for (const row of gatewayRows()) {
      const [, , defaultCell, meaning] = byPath.get(row.path) ?? [];
      expect(meaning, row.path).toBe(row.doc);
      if (row.default !== undefined) {
        const shown = typeof row.default === 'object' ? JSON.stringify(row.default) : String(row.default);
        expect(defaultCell, row.path).toBe(`\`${shown}\``);
      } else if (row.optional) expect(defaultCell, row.path).toBe('(optional)');
      else expect(['', '**required**'], row.path).toContain(defaultCell);
    }
  });

  it('documents every override variable', () => {
    const variables = tableRows(readmeSection('Environment variables')).map((row) => unquote(row[0] ?? ''));
    expect(variables).toEqual(ENV_OVERRIDES.map((entry) => entry.name));
  });

  it('lists the common config codes, which every config problem carries', () => {
    const codes = tableRows(readmeSection('Config problem codes')).map((row) => unquote(row[0] ?? ''));
    expect(codes).toEqual(['CONFIG_INVALID', 'CONFIG_UNREADABLE', ...Object.keys(CONFIG_PROBLEM_CODES)]);
  });
});
