// The architecture test is only as good as what it sees: every way a file can load a module is found,
// and nothing that merely looks like one (a comment, a string, template text) is.

import { describe, expect, it } from 'vitest';
import { extractImports } from './import-extractor.js';

const SAMPLE = `
import { a } from '@servo-edge/common';
import type { B } from '@servo-edge/firmware-protocol';
import * as c from "./c.js";
import './side-effect.js';
export { d } from '@servo-edge/motion-api';
export type { E } from '@servo-edge/vision';
export * from './all.js';
import fs = require('node:fs');
import { createRequire } from 'node:module';

// import { notThis } from '@servo-edge/simulator';
/* const x = await import('@servo-edge/simulator'); */
const text = "import('@servo-edge/simulator')";
const also = \`require('@servo-edge/simulator') \${1}\`;

export async function load(name: string) {
  const sim = await import('@servo-edge/simulator');
  const labels = await import(\`@servo-edge/simulator/labels\`);
  const computed = await import(name);
  const cjs = require('some-cjs');
  const where = require.resolve('@servo-edge/vision/cli');
  const cli = createRequire(import.meta.url).resolve('@servo-edge/vision/cli');
  const viaCreate = createRequire(import.meta.url)('pkg-via-create-require');
  const meta = import.meta.resolve('@servo-edge/common/log');
  type T = import('@servo-edge/edge-gateway').Gateway;
  return [sim, labels, computed, cjs, where, cli, viaCreate, meta, fs];
}
`;

describe('extractImports', () => {
  const found = extractImports(SAMPLE);
  const pairs = found.map((i) => [i.kind, i.specifier]);

  it('finds static imports, type imports, side-effect imports, re-exports and import-equals', () => {
    expect(pairs.slice(0, 8)).toEqual([
      ['static', '@servo-edge/common'],
      ['type', '@servo-edge/firmware-protocol'],
      ['static', './c.js'],
      ['static', './side-effect.js'],
      ['re-export', '@servo-edge/motion-api'],
      ['type', '@servo-edge/vision'],
      ['re-export', './all.js'],
      ['import-equals', 'node:fs'],
    ]);
  });

  it('finds dynamic import() with a string or a template without substitutions, and a computed one', () => {
    expect(pairs).toContainEqual(['dynamic', '@servo-edge/simulator']);
    expect(pairs).toContainEqual(['dynamic', '@servo-edge/simulator/labels']);
    expect(pairs).toContainEqual(['dynamic', undefined]);
  });

  it('finds require(), require.resolve(), createRequire()(...) and .resolve(), import.meta.resolve()', () => {
    expect(pairs).toContainEqual(['require', 'some-cjs']);
    expect(pairs).toContainEqual(['resolve', '@servo-edge/vision/cli']);
    expect(pairs.filter(([, s]) => s === '@servo-edge/vision/cli')).toHaveLength(2);
    expect(pairs).toContainEqual(['require', 'pkg-via-create-require']);
    expect(pairs).toContainEqual(['resolve', '@servo-edge/common/log']);
  });

  it('finds import() type queries', () => {
    expect(pairs).toContainEqual(['type-query', '@servo-edge/edge-gateway']);
  });

  it('ignores comments, strings and template text', () => {
    // Only the two real loads of the simulator: the import() with a string and the one with a template.
    expect(found.filter((i) => i.specifier?.startsWith('@servo-edge/simulator'))).toHaveLength(2);
  });

  it('gives the line of each', () => {
    expect(found[0]).toMatchObject({ line: 2 });
    expect(found.find((i) => i.kind === 'dynamic')).toMatchObject({ line: 18 });
  });

  it('reads plain JavaScript modules too (.mjs worker hooks)', () => {
    expect(extractImports("const m = await import('./x.mjs');\nexport * from 'y';", 'hooks.mjs')).toEqual([
      { specifier: './x.mjs', kind: 'dynamic', line: 1 },
      { specifier: 'y', kind: 're-export', line: 2 },
    ]);
  });
});
