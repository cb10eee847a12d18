// Configuration loading through the common loader: defaults, unknown keys refused with their path and a
// hint, bounds, cross-checks; every problem with its common code and dotted path.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem, type ConfigProblemCode } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import { KEYS, rawTestConfig, testConfig } from '../testing/config.js';
import { checkMotionConfig } from './check.js';
import { checkMotionConfigText, isLoopbackHost, loadMotionConfigFile, parseMotionConfig } from './load.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary (also wrong) config shapes.
type Raw = Record<string, any>;

function problemsOf(patch: (raw: Raw) => void): readonly ConfigProblem[] {
  const raw = rawTestConfig() as Raw;
  patch(raw);
  try {
    parseMotionConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as ConfigError).problems;
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

  it.each<[string, (raw: Raw) => void, string, ConfigProblemCode]>([
    ['a misspelt top-level key', (r) => (r.axis = []), 'axis', 'CONFIG_UNKNOWN_KEY'],
    [
      'a misspelt axis key',
      (r) => (r.axes[0].countPerUnit = 5),
      'axes[0].countPerUnit',
      'CONFIG_UNKNOWN_KEY',
    ],
    [
      'a misspelt nested key',
      (r) => (r.auth.rateLimit = { max: 5 }),
      'auth.rateLimit.max',
      'CONFIG_UNKNOWN_KEY',
    ],
    [
      'countsPerUnit <= 0',
      (r) => (r.axes[1].countsPerUnit = 0),
      'axes[1].countsPerUnit',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'streamHz above 200',
      (r) => (r.controllers[0].streamHz = 201),
      'controllers[0].streamHz',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'watchdogMs below 100',
      (r) => (r.controllers[0].watchdogMs = 99),
      'controllers[0].watchdogMs',
      'CONFIG_OUT_OF_RANGE',
    ],
    ['a short key', (r) => (r.auth.keys[0].key = 'short'), 'auth.keys[0].key', 'CONFIG_OUT_OF_RANGE'],
    ['an unknown role', (r) => (r.auth.keys[0].role = 'root'), 'auth.keys[0].role', 'CONFIG_BAD_VALUE'],
    ['a duplicate axis name', (r) => (r.axes[1].name = 'conveyor'), 'axes[1].name', 'CONFIG_DUPLICATE'],
    [
      'an unknown controller',
      (r) => (r.axes[0].controller = 'nope'),
      'axes[0].controller',
      'CONFIG_UNKNOWN_REFERENCE',
    ],
    ['an axis slot used twice', (r) => (r.axes[1].axis = 1), 'axes[1].axis', 'CONFIG_DUPLICATE'],
    ['min >= max', (r) => (r.axes[0].minUnits = 5000), 'axes[0].maxUnits', 'CONFIG_CONFLICT'],
    [
      'a default velocity above the max',
      (r) => (r.axes[0].defaultVelocityUnitsPerS = 501),
      'axes[0].defaultVelocityUnitsPerS',
      'CONFIG_CONFLICT',
    ],
    [
      'a default acceleration above the max',
      (r) => (r.axes[0].defaultAccelerationUnitsPerS2 = 1e6),
      'axes[0].defaultAccelerationUnitsPerS2',
      'CONFIG_CONFLICT',
    ],
    [
      // servo-edge positions are 64-bit (PROTOCOL.md §v2 Positions): the bound is what JSON carries exactly.
      'limits beyond 2^53-1 counts',
      (r) => (r.axes[0].maxUnits = 1e14),
      'axes[0].maxUnits',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a maximum velocity beyond int32 counts/s (velocities stay 32-bit)',
      (r) => (r.axes[0].maxVelocityUnitsPerS = 1e9),
      'axes[0].maxVelocityUnitsPerS',
      'CONFIG_OUT_OF_RANGE',
    ],
    [
      'a duplicate controller id',
      (r) => (r.controllers[1].id = 'ctrl1'),
      'controllers[1].id',
      'CONFIG_DUPLICATE',
    ],
    [
      'a duplicate path',
      (r) => (r.controllers[1].path = 'fake://ctrl1'),
      'controllers[1].path',
      'CONFIG_DUPLICATE',
    ],
    [
      'both key and sha256',
      (r) => (r.auth.keys[0].sha256 = 'a'.repeat(64)),
      'auth.keys[0]',
      'CONFIG_CONFLICT',
    ],
    ['neither key nor sha256', (r) => delete r.auth.keys[0].key, 'auth.keys[0]', 'CONFIG_MISSING_KEY'],
    [
      'the same key twice',
      (r) => (r.auth.keys[1].key = r.auth.keys[0].key),
      'auth.keys[1]',
      'CONFIG_DUPLICATE',
    ],
    ['a duplicate key id', (r) => (r.auth.keys[1].id = 'dash'), 'auth.keys[1].id', 'CONFIG_DUPLICATE'],
    ['auth on without keys', (r) => (r.auth.keys = []), 'auth.keys', 'CONFIG_CONFLICT'],
    [
      'dev mode on a public address',
      (r) => {
        r.auth.disabled = true;
        r.http.host = '0.0.0.0';
      },
      'auth.disabled',
      'CONFIG_CONFLICT',
    ],
    [
      'initial backoff above the max',
      (r) => (r.reconnect.initialDelayMs = 5000),
      'reconnect.initialDelayMs',
      'CONFIG_CONFLICT',
    ],
    [
      'a velocity below one count/s',
      (r) => {
        r.axes[0].countsPerUnit = 0.001;
        r.axes[0].defaultVelocityUnitsPerS = 1;
      },
      'axes[0].defaultVelocityUnitsPerS',
      'CONFIG_OUT_OF_RANGE',
    ],
  ])('refuses %s, naming %s with %s', (_name, patch, path, code) => {
    expect(problemsOf(patch).map((p) => [p.path, p.code])).toContainEqual([path, code]);
  });

  it('a typo, a missing key and an out-of-range value get the common codes, a hint and a line', () => {
    const text = [
      'controllers:',
      '  - id: ctrl1',
      '    path: /dev/ttyACM0',
      '    baudd: 9600',
      'axes:',
      '  - name: conveyor',
      '    controller: ctrl1',
      '    axis: 99',
      '    unit: mm',
      '    minUnits: 0',
      '    maxUnits: 100',
      '    maxVelocityUnitsPerS: 10',
      '    maxAccelerationUnitsPerS2: 10',
      '    defaultVelocityUnitsPerS: 10',
      '    defaultAccelerationUnitsPerS2: 10',
      'auth:',
      '  disabled: true',
    ].join('\n');
    const result = checkMotionConfigText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.code, p.path, p.line])).toEqual([
      ['CONFIG_UNKNOWN_KEY', 'controllers[0].baudd', 4],
      ['CONFIG_MISSING_KEY', 'axes[0].countsPerUnit', 6],
      ['CONFIG_OUT_OF_RANGE', 'axes[0].axis', 8],
    ]);
    expect(result.problems[0]!.suggestions).toEqual(['baud']);
  });

  it('checkMotionConfig returns segments relative to the motion root (for the gateway to prefix)', () => {
    const config = testConfig();
    const problems = checkMotionConfig({ ...config, axes: [config.axes[0]!, { ...config.axes[0]! }] }, true);
    expect(problems.map((p) => [p.code, p.segments])).toEqual([
      ['CONFIG_DUPLICATE', ['axes', 1, 'name']],
      ['CONFIG_DUPLICATE', ['axes', 1, 'axis']],
    ]);
  });

  it('fills every default of a section that is left out', () => {
    const raw = rawTestConfig() as Raw;
    delete raw.reconnect;
    raw.auth = { keys: raw.auth.keys };
    const config = parseMotionConfig(raw);
    expect(config.reconnect).toEqual({
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      multiplier: 2,
      connectTimeoutMs: 3000,
    });
    expect(config.auth).toMatchObject({ disabled: false, rateLimit: { maxRequests: 600, windowMs: 60_000 } });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 0, bodyLimitBytes: 16_384, trustProxy: false });
  });

  it('never echoes a key in an issue', () => {
    const issues = problemsOf((r) => (r.auth.keys[1].key = r.auth.keys[0].key));
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
  it('reads YAML; an unparsable file is CONFIG_INVALID with CONFIG_PARSE, a missing one CONFIG_UNREADABLE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'motion-config-'));
    const good = join(dir, 'motion.yaml');
    await writeFile(good, JSON.stringify(rawTestConfig()));
    await expect(loadMotionConfigFile(good)).resolves.toMatchObject({
      controllers: [{ id: 'ctrl1' }, { id: 'ctrl2' }],
    });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'axes: [unclosed');
    await expect(loadMotionConfigFile(bad)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      problems: [expect.objectContaining({ code: 'CONFIG_PARSE' })],
    });
    await expect(loadMotionConfigFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'CONFIG_UNREADABLE',
    });
  });

  it('the example configuration in the package is valid', async () => {
    const example = new URL('../../motion.example.yaml', import.meta.url);
    await expect(loadMotionConfigFile(example.pathname)).resolves.toBeDefined();
  });
});
