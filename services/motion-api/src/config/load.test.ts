// Configuration loading: defaults, unknown keys refused with their path, bounds, cross-checks.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { KEYS, rawTestConfig } from '../test-support/config.js';
import { isLoopbackHost, loadMotionConfigFile, parseMotionConfig } from './load.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary (also wrong) config shapes.
type Raw = Record<string, any>;

function issuesOf(patch: (raw: Raw) => void): { path: string; message: string }[] {
  const raw = rawTestConfig() as Raw;
  patch(raw);
  try {
    parseMotionConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as ConfigError).issues;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('parseMotionConfig', () => {
  it('applies defaults', () => {
    const config = parseMotionConfig(rawTestConfig());
    expect(config.controllers[0]).toMatchObject({ baud: 115200, replyTimeoutMs: 250, maxRetransmits: 5 });
    expect(config.stream).toEqual({
      rateHz: 10,
      maxBufferedBytes: 262_144,
      maxQueuedEvents: 512,
      maxClients: 32,
    });
    expect(config.auth.rateLimit).toEqual({ maxRequests: 600, windowMs: 60_000 });
    expect(config.moves.historySize).toBe(1000);
    expect(config.axes[0]!.homingRequired).toBe(false);
    expect(config.logLevel).toBe('info');
  });

  it.each<[string, (raw: Raw) => void, string]>([
    ['a misspelt top-level key', (r) => (r.axis = []), '/axis'],
    ['a misspelt axis key', (r) => (r.axes[0].countPerUnit = 5), '/axes/0/countPerUnit'],
    ['a misspelt nested key', (r) => (r.auth.rateLimit = { max: 5 }), '/auth/rateLimit/max'],
    ['countsPerUnit <= 0', (r) => (r.axes[1].countsPerUnit = 0), '/axes/1/countsPerUnit'],
    ['streamHz above 200', (r) => (r.controllers[0].streamHz = 201), '/controllers/0/streamHz'],
    ['watchdogMs below 100', (r) => (r.controllers[0].watchdogMs = 99), '/controllers/0/watchdogMs'],
    ['a short key', (r) => (r.auth.keys[0].key = 'short'), '/auth/keys/0/key'],
    ['an unknown role', (r) => (r.auth.keys[0].role = 'root'), '/auth/keys/0/role'],
    ['a duplicate axis name', (r) => (r.axes[1].name = 'conveyor'), '/axes/1/name'],
    ['an unknown controller', (r) => (r.axes[0].controller = 'nope'), '/axes/0/controller'],
    ['an axis slot used twice', (r) => (r.axes[1].axis = 1), '/axes/1/axis'],
    ['min >= max', (r) => (r.axes[0].minUnits = 5000), '/axes/0/maxUnits'],
    [
      'a default velocity above the max',
      (r) => (r.axes[0].defaultVelocityUnitsPerS = 501),
      '/axes/0/defaultVelocityUnitsPerS',
    ],
    [
      'a default acceleration above the max',
      (r) => (r.axes[0].defaultAccelerationUnitsPerS2 = 1e6),
      '/axes/0/defaultAccelerationUnitsPerS2',
    ],
    ['limits beyond int32 counts', (r) => (r.axes[0].maxUnits = 1e9), '/axes/0/maxUnits'],
    ['a duplicate controller id', (r) => (r.controllers[1].id = 'ctrl1'), '/controllers/1/id'],
    ['a duplicate path', (r) => (r.controllers[1].path = 'fake://ctrl1'), '/controllers/1/path'],
    ['both key and sha256', (r) => (r.auth.keys[0].sha256 = 'a'.repeat(64)), '/auth/keys/0'],
    ['neither key nor sha256', (r) => delete r.auth.keys[0].key, '/auth/keys/0'],
    ['the same key twice', (r) => (r.auth.keys[1].key = r.auth.keys[0].key), '/auth/keys/1'],
    ['a duplicate key id', (r) => (r.auth.keys[1].id = 'dash'), '/auth/keys/1/id'],
    ['auth on without keys', (r) => (r.auth.keys = []), '/auth/keys'],
    [
      'dev mode on a public address',
      (r) => {
        r.auth.disabled = true;
        r.http.host = '0.0.0.0';
      },
      '/auth/disabled',
    ],
    [
      'initial backoff above the max',
      (r) => (r.reconnect.initialDelayMs = 5000),
      '/reconnect/initialDelayMs',
    ],
    [
      'a velocity below one count/s',
      (r) => {
        r.axes[0].countsPerUnit = 0.001;
        r.axes[0].defaultVelocityUnitsPerS = 1;
      },
      '/axes/0/defaultVelocityUnitsPerS',
    ],
  ])('refuses %s, naming %s', (_name, patch, path) => {
    expect(issuesOf(patch).map((i) => i.path)).toContain(path);
  });

  it('never echoes a key in an issue', () => {
    const issues = issuesOf((r) => (r.auth.keys[1].key = r.auth.keys[0].key));
    expect(JSON.stringify(issues)).not.toContain(KEYS.viewer);
  });

  it('allows dev mode on loopback', () => {
    const raw = rawTestConfig() as Raw;
    raw.auth = { disabled: true };
    expect(parseMotionConfig(raw).auth.disabled).toBe(true);
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});

describe('loadMotionConfigFile', () => {
  it('reads YAML, and reports unreadable files with CONFIG_UNREADABLE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'motion-config-'));
    const good = join(dir, 'motion.yaml');
    await writeFile(good, JSON.stringify(rawTestConfig()));
    await expect(loadMotionConfigFile(good)).resolves.toMatchObject({
      controllers: [{ id: 'ctrl1' }, { id: 'ctrl2' }],
    });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'axes: [unclosed');
    await expect(loadMotionConfigFile(bad)).rejects.toMatchObject({ code: 'CONFIG_UNREADABLE' });
    await expect(loadMotionConfigFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'CONFIG_UNREADABLE',
    });
  });

  it('the example configuration in the package is valid', async () => {
    const example = new URL('../../motion.example.yaml', import.meta.url);
    await expect(loadMotionConfigFile(example.pathname)).resolves.toBeDefined();
  });
});
