// The README's config reference and env table list exactly the schema's keys and the override variables.

import { describe, expect, it } from 'vitest';
import { readmeSection, tableRows, unquote } from '../test-support/readme.js';
import { ENV_OVERRIDES } from './env.js';
import { CONFIG_KEY_PATHS } from './schema.js';

describe('README config reference', () => {
  it('documents every key, and only real keys', () => {
    const documented = tableRows(readmeSection('Config reference')).map((row) => unquote(row[0] ?? ''));
    expect(documented).toEqual([...CONFIG_KEY_PATHS]);
  });

  it('documents every override variable', () => {
    const documented = tableRows(readmeSection('Environment variables')).map((row) => unquote(row[0] ?? ''));
    expect(documented).toEqual(ENV_OVERRIDES.map((entry) => entry.name));
  });
});
