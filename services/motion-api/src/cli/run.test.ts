// servo-motion in-process: usage and config errors (exit 2, each path named, no key printed), and a
// sim:// controller refused at start. The real start (over a pty) is in tests/motion-api.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYS, rawTestConfig } from '../testing/config.js';
import { runServoMotion } from './run.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary (also wrong) config shapes.
type Raw = Record<string, any>;

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
}

async function configFile(raw: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'servo-motion-'));
  const path = join(dir, 'motion.yaml');
  await writeFile(path, JSON.stringify(raw));
  return path;
}

describe('servo-motion', () => {
  it('--help prints the usage and exits 0; a missing --config or an unknown flag exits 2', async () => {
    const help = capture();
    expect(await runServoMotion(['--help'], help.io)).toBe(0);
    expect(help.lines.join('\n')).toContain('Usage: servo-motion --config');
    expect(await runServoMotion([], capture().io)).toBe(2);
    expect(await runServoMotion(['--nope'], capture().io)).toBe(2);
  });

  it('an invalid config exits 2 naming each path, without printing a key', async () => {
    const raw = rawTestConfig() as Raw;
    raw.axes[0].countPerUnit = 3;
    raw.auth.keys[1].key = raw.auth.keys[0].key;
    const out = capture();
    expect(await runServoMotion(['--config', await configFile(raw)], out.io)).toBe(2);
    const text = out.lines.join('\n');
    expect(text).toContain('CONFIG_INVALID');
    expect(text).toContain('axes[0].countPerUnit');
    expect(text).toContain('CONFIG_UNKNOWN_KEY');
    expect(text).not.toContain(KEYS.viewer);
  });

  it('refuses a sim:// controller at start with CONFIG_BAD_VALUE at its path, saying what to run instead', async () => {
    // The run on a simulated controller (over a pty) is in tests/motion-api/servo-motion-cli.test.ts.
    const raw = rawTestConfig() as Raw;
    raw.controllers = [{ id: 'ctrl1', path: 'sim://cli-ctrl1' }];
    raw.axes = raw.axes.filter((a: { controller: string }) => a.controller === 'ctrl1');
    const out = capture();
    expect(await runServoMotion(['--config', await configFile(raw)], out.io)).toBe(2);
    const text = out.lines.join('\n');
    expect(text).toContain('CONFIG_INVALID');
    expect(text).toMatch(/controllers\[0\]\.path: .*\[CONFIG_BAD_VALUE\]/);
    expect(text).toContain('servo-sim --pty');
    expect(text).toContain('servo-edge --config');
  });
});
