// What the gateway process loads is part of its memory budget (README "Memory"): the production code
// must not import the simulator or vision's image decoders statically. The demo and the tests may.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
/** The demo's own entry and modules: `npm start`, never the systemd unit. */
const DEMO_ONLY = ['demo/', 'cli/demo.ts'];
/** Files that run only inside the thumbnail worker thread, which may decode images. */
const WORKER_ONLY = ['dashboard/thumbnails-render.ts', 'dashboard/thumbnails-worker.ts'];

function productionFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : productionFiles(path);
    const rel = relative(SRC, path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return [];
    return DEMO_ONLY.some((prefix) => rel.startsWith(prefix)) ? [] : [rel];
  });
}

/** Module specifiers of static `import ... from` / `export ... from` statements (not `import()`). */
function staticImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map((m) => m[1]!);
}

describe('what the gateway process loads', () => {
  const files = productionFiles();

  it('finds the production sources (the scan itself works)', () => {
    expect(files).toContain('gateway.ts');
    expect(files).toContain('cli/commands/run.ts');
    expect(files).not.toContain('demo/demo-stack.ts');
    expect(staticImports('gateway.ts')).toContain('@servo-edge/motion-api');
  });

  it('never imports the simulator statically (sim:// controllers load it on demand)', () => {
    const offenders = files.filter((f) =>
      staticImports(f).some((s) => s.startsWith('@servo-edge/simulator')),
    );
    expect(offenders).toEqual([]);
  });

  it("takes only vision's image decoder, and only in the thumbnail worker (the frame codec is common's)", () => {
    const offenders = files.flatMap((file) =>
      staticImports(file)
        .filter((s) => s.startsWith('@servo-edge/vision'))
        .filter((s) => !(s === '@servo-edge/vision/image' && WORKER_ONLY.includes(file)))
        .map((s) => `${file}: ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps the demo out of the package entry point', () => {
    expect(staticImports('index.ts').filter((s) => s.startsWith('./demo/'))).toEqual([]);
  });
});
