// The package layering, checked over every package's production sources: which of our packages each
// one may load, by any means (static and type imports, re-exports, dynamic import(), require,
// require.resolve). Production code never depends on the simulator; the gateway's demo and its sim://
// loader are the named exceptions. tests/ and bench/ may import anything and are not scanned.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ExtractedImport, extractImports } from './import-extractor.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const COMMON = '@servo-edge/common';
const PROTOCOL = '@servo-edge/firmware-protocol';
const SIMULATOR = '@servo-edge/simulator';
const MOTION = '@servo-edge/motion-api';
const VISION = '@servo-edge/vision';
const GATEWAY = '@servo-edge/edge-gateway';

/** The layering: the packages of ours each package's production code may load, anywhere in it. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  [COMMON]: [],
  [PROTOCOL]: [COMMON],
  [SIMULATOR]: [COMMON, PROTOCOL],
  [MOTION]: [COMMON, PROTOCOL],
  [VISION]: [COMMON],
  [GATEWAY]: [COMMON, PROTOCOL, MOTION],
};

/** Edges allowed only from some files of a package, each with its reason. */
const EXCEPTIONS: readonly {
  from: string;
  /** Paths relative to the package directory; a trailing `/` takes a whole folder. */
  files: readonly string[];
  /** Exact specifiers, or a package name that allows all of its subpaths. */
  specifiers: readonly string[];
  why: string;
}[] = [
  {
    from: GATEWAY,
    files: ['src/demo/', 'src/cli/demo.ts'],
    specifiers: [SIMULATOR, VISION],
    why: 'the demo (`npm start`) runs the simulated plant and the vision service beside the gateway',
  },
  {
    from: GATEWAY,
    files: ['src/cli/sim-controllers.ts'],
    specifiers: [SIMULATOR],
    why: '`servo-edge --config` runs sim:// controllers in-process, loading the simulator only for them',
  },
  {
    from: GATEWAY,
    files: ['src/dashboard/thumbnails-render.ts', 'src/dashboard/thumbnails-worker.ts'],
    specifiers: [`${VISION}/image`],
    why: 'the thumbnail worker thread decodes frames with vision’s image decoder, and nothing else of vision',
  },
];

interface WorkspacePackage {
  name: string;
  dir: string;
}

/** May import anything: the cross-package tests (bench/ is not a workspace). */
const UNCHECKED = new Set(['@servo-edge/tests']);

/** The workspaces of the root package.json, but the unchecked ones. */
function workspacePackages(): WorkspacePackage[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .map((dir) => ({
      dir: join(ROOT, dir),
      name: (JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string }).name,
    }))
    .filter((pkg) => !UNCHECKED.has(pkg.name));
}

/** Production sources: src/**, without tests and test-support/ (TypeScript and plain JS modules). */
function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : productionFiles(path);
    if (!/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) || entry.name.endsWith('.d.ts')) return [];
    return /\.test\.[mc]?[jt]s$/.test(entry.name) ? [] : [path];
  });
}

export interface Edge {
  /** Package directory relative to the repo, then the file within it. */
  file: string;
  line: number;
  kind: ExtractedImport['kind'];
  from: string;
  /** The package loaded, or undefined for a computed specifier. */
  to: string | undefined;
  specifier: string | undefined;
}

/** `@servo-edge/x/sub` -> `@servo-edge/x`; a relative path that leaves the package -> the package it enters. */
function targetPackage(
  specifier: string,
  file: string,
  packages: readonly WorkspacePackage[],
): string | undefined {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return packages.find((p) => target === p.dir || target.startsWith(p.dir + sep))?.name;
  }
  const match = /^(@servo-edge\/[^/]+)/.exec(specifier);
  return match ? match[1] : undefined;
}

/** Every edge from a package's production code to a package of ours (itself included, for relative paths). */
function scan(): { edges: Edge[]; files: number } {
  const packages = workspacePackages();
  const edges: Edge[] = [];
  let files = 0;
  for (const pkg of packages) {
    for (const path of productionFiles(join(pkg.dir, 'src'))) {
      files++;
      for (const found of extractImports(readFileSync(path, 'utf8'), path)) {
        const to = found.specifier === undefined ? undefined : targetPackage(found.specifier, path, packages);
        if (found.specifier !== undefined && to === undefined) continue; // node: builtins, npm packages
        edges.push({
          file: relative(ROOT, path),
          line: found.line,
          kind: found.kind,
          from: pkg.name,
          to,
          specifier: found.specifier,
        });
      }
    }
  }
  return { edges, files };
}

function packageDirOf(name: string): string {
  const pkg = workspacePackages().find((p) => p.name === name);
  if (!pkg) throw new Error(`no workspace package ${name}`);
  return relative(ROOT, pkg.dir);
}

function allowed(edge: Edge): boolean {
  if (edge.to === undefined) return false;
  if (edge.to === edge.from || ALLOWED[edge.from]?.includes(edge.to)) return true;
  const inPackage = relative(packageDirOf(edge.from), edge.file).split(sep).join('/');
  return EXCEPTIONS.some(
    (exception) =>
      exception.from === edge.from &&
      exception.files.some((f) => (f.endsWith('/') ? inPackage.startsWith(f) : inPackage === f)) &&
      exception.specifiers.some((s) => edge.specifier === s || edge.specifier?.startsWith(`${s}/`)),
  );
}

const describeEdge = (e: Edge) =>
  `${e.file}:${e.line}: ${e.from} -> ${e.specifier ?? '(computed specifier)'} (${e.kind})`;

describe('architecture: what each package may load', () => {
  const { edges, files } = scan();

  it('scans every package and sees static, dynamic and resolve edges in the real code', () => {
    expect(new Set(edges.map((e) => e.from))).toEqual(new Set(Object.keys(ALLOWED)));
    expect(files).toBeGreaterThan(100);
    const has = (file: string, specifier: string, kind: Edge['kind']) =>
      edges.some((e) => e.file === file && e.specifier === specifier && e.kind === kind);
    expect(has('edge-gateway/src/gateway.ts', MOTION, 'static')).toBe(true);
    expect(has('edge-gateway/src/cli/sim-controllers.ts', SIMULATOR, 'dynamic')).toBe(true);
    expect(has('edge-gateway/src/demo/demo-plant.ts', `${VISION}/cli`, 'resolve')).toBe(true);
  });

  it('has no forbidden edge: production code never depends on the simulator, and layers only go down', () => {
    expect(edges.filter((e) => !allowed(e)).map(describeEdge)).toEqual([]);
  });

  it('declares every package it loads in package.json, and no forbidden one', () => {
    const problems: string[] = [];
    for (const pkg of workspacePackages()) {
      const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@servo-edge/'));
      const mayDeclare = new Set([
        ...(ALLOWED[pkg.name] ?? []),
        ...EXCEPTIONS.filter((x) => x.from === pkg.name).flatMap((x) =>
          x.specifiers.map((s) => /^(@servo-edge\/[^/]+)/.exec(s)![1]!),
        ),
      ]);
      for (const dependency of declared) {
        if (!mayDeclare.has(dependency)) problems.push(`${pkg.name} depends on ${dependency}`);
      }
      const used = new Set(edges.filter((e) => e.from === pkg.name && e.to !== pkg.name).map((e) => e.to));
      for (const dependency of used) {
        if (dependency && !declared.includes(dependency))
          problems.push(`${pkg.name} loads ${dependency} without declaring it`);
      }
    }
    expect(problems).toEqual([]);
  });
});
