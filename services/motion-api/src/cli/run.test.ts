// servo-motion in-process: usage and config errors (exit 2, each path named, no key printed), and a
// real start on a simulated controller: listens on port 0, becomes ready, closes in order.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYS, rawTestConfig } from '../test-support/config.js';
import { type RunningServer, runServoMotion } from './run.js';

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
    expect(text).toContain('/axes/0/countPerUnit');
    expect(text).not.toContain(KEYS.viewer);
  });

  it('starts on a simulated controller, serves, and closes idempotently', async () => {
    const raw = rawTestConfig() as Raw;
    raw.controllers = [{ id: 'ctrl1', path: 'sim://cli-ctrl1' }];
    raw.axes = raw.axes.filter((a: { controller: string }) => a.controller === 'ctrl1');
    raw.logLevel = 'silent';
    const result = await runServoMotion(['--config', await configFile(raw)], capture().io);
    expect(typeof result).toBe('object');
    const server = result as RunningServer;
    try {
      const healthz = await fetch(`${server.url}/healthz`);
      expect(healthz.status).toBe(200);
      // The link comes up in real time over the paced simulated line: ask until ready (bounded).
      let ready = 0;
      for (let i = 0; i < 200 && ready !== 200; i++) ready = (await fetch(`${server.url}/readyz`)).status;
      expect(ready).toBe(200);
      const axis = await fetch(`${server.url}/api/v1/axes/conveyor`, {
        headers: { authorization: `Bearer ${KEYS.viewer}` },
      });
      expect(await axis.json()).toMatchObject({ name: 'conveyor', connected: true });
    } finally {
      await Promise.all([server.close(), server.close()]);
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
