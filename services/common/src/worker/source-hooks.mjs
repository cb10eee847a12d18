// Module hooks that run servo-edge's TypeScript sources directly, without a build: `./x.js` imports fall
// back to the `./x.ts` beside them, and .ts is type-stripped on load. Used by worker threads and child
// processes started from src/ (tests, under the `source` export condition); built code never loads this.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let ts;

/** NodeNext sources import siblings as `./x.js`; from src/ only `./x.ts` exists. */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (
    parent?.endsWith('.ts') &&
    specifier.endsWith('.js') &&
    (specifier.startsWith('./') || specifier.startsWith('../'))
  ) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), parent);
    if (existsSync(fileURLToPath(candidate)))
      return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** Type-strips with the TypeScript compiler already installed for the build (no type checking). */
export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  ts ??= (await import('typescript')).default;
  const source = await readFile(new URL(url), 'utf8');
  const output = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}
