// Config loading: defaults, typos rejected with their common code and path, bounds, env override, README coverage.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem, checkConfigText } from '@servo-edge/common/config';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CONFIG_KEY_PATHS,
  loadConfig,
  redactedConfig,
  resolveConfig,
  type VisionConfig,
  VisionConfigSchema,
} from './config.js';

const env = { env: {}, coreCount: 4, hostName: 'pi.local', pid: 42 };

/** The first problem of the ConfigError that `fn` throws. */
function problemOf(fn: () => unknown): ConfigProblem {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as ConfigError).problems[0]!;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('fills every default from an empty document', () => {
    const config = resolveConfig({}, env);
    expect(config).toMatchObject({
      line: 'line-1',
      instance: 'vision-pi-local-42',
      topicPrefix: 'servo-edge/line-1',
      mqtt: { url: 'mqtt://127.0.0.1:1883', protocolVersion: 5, keepaliveS: 30 },
      inspection: { workers: 4, queueLength: 16, deadlineMs: 500, decodeTimeoutMs: 2000, workerHeapMb: 128 },
      limits: { maxPayloadBytes: 8 * 1024 * 1024 },
      log: { level: 'info' },
    });
    expect(resolveConfig(null, env).line).toBe('line-1');
  });

  it('derives the topic prefix from the line', () => {
    expect(resolveConfig({ line: 'L2' }, env).topicPrefix).toBe('servo-edge/L2');
    expect(resolveConfig({ line: 'L2', topicPrefix: 'plant/a' }, env).topicPrefix).toBe('plant/a');
  });

  it.each([
    ['CONFIG_UNKNOWN_KEY', { mqtt: { pasword: 'x' } }, 'mqtt.pasword'],
    ['CONFIG_UNKNOWN_KEY', { inspektion: {} }, 'inspektion'],
    ['CONFIG_OUT_OF_RANGE', { inspection: { queueLength: 0 } }, 'inspection.queueLength'],
    ['CONFIG_OUT_OF_RANGE', { mqtt: { keepaliveS: 1 } }, 'mqtt.keepaliveS'],
    ['CONFIG_OUT_OF_RANGE', { inspection: { workers: 5 } }, 'inspection.workers'],
    ['CONFIG_OUT_OF_RANGE', { inspection: { workerHeapMb: 8 } }, 'inspection.workerHeapMb'],
    ['CONFIG_WRONG_TYPE', { inspection: { deadlineMs: 2.5 } }, 'inspection.deadlineMs'],
    ['CONFIG_WRONG_TYPE', { inspection: { deadlineMs: '500' } }, 'inspection.deadlineMs'],
    ['CONFIG_BAD_VALUE', { mqtt: { protocolVersion: 3 } }, 'mqtt.protocolVersion'],
    ['CONFIG_BAD_VALUE', { mqtt: { url: 'http://x' } }, 'mqtt.url'],
    ['CONFIG_BAD_VALUE', { topicPrefix: 'a/+/b' }, 'topicPrefix'],
    ['CONFIG_BAD_VALUE', { topicPrefix: '$SYS/x' }, 'topicPrefix'],
    ['CONFIG_BAD_VALUE', { instance: 'a/b' }, 'instance'],
    ['CONFIG_WRONG_TYPE', { mqtt: 'mqtt://x' }, 'mqtt'],
    ['CONFIG_WRONG_TYPE', ['a'], '(document)'],
  ])('%s at %s', (code, document, path) => {
    const problem = problemOf(() => resolveConfig(document, env));
    expect(problem.code).toBe(code);
    expect(problem.path).toBe(path);
  });

  it('reports every problem at once, not just the first', () => {
    const error = (() => {
      try {
        resolveConfig({ mqtt: { pasword: 'x', keepaliveS: 1 }, inspection: { workers: 5 } }, env);
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['CONFIG_UNKNOWN_KEY', 'mqtt.pasword'],
      ['CONFIG_OUT_OF_RANGE', 'mqtt.keepaliveS'],
      ['CONFIG_OUT_OF_RANGE', 'inspection.workers'],
    ]);
  });

  it('SERVO_VISION_MQTT_PASSWORD overrides the file', () => {
    const config = resolveConfig(
      { mqtt: { username: 'u', password: 'from-file' } },
      { ...env, env: { SERVO_VISION_MQTT_PASSWORD: 'from-env' } },
    );
    expect(config.mqtt.password).toBe('from-env');
    expect(resolveConfig({ mqtt: { password: 'from-file' } }, env).mqtt.password).toBe('from-file');
  });

  it('never exposes the password in the loggable config', () => {
    const config = resolveConfig({ mqtt: { password: 's3cret' } }, env);
    expect(JSON.stringify(redactedConfig(config))).not.toContain('s3cret');
  });

  it('has the types the service relies on', () => {
    expectTypeOf<VisionConfig['mqtt']['protocolVersion']>().toEqualTypeOf<4 | 5>();
    expectTypeOf<VisionConfig['inspection']['workers']>().toEqualTypeOf<number>();
    expectTypeOf<VisionConfig['mqtt']['shareGroup']>().toEqualTypeOf<string | undefined>();
  });
});

describe('config files', () => {
  it('loads YAML and rejects a typo with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servo-vision-config-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(
        good,
        'line: L7\nmqtt:\n  url: mqtt://broker:1883\n  shareGroup: vision\ninspection:\n  workers: 1\n',
      );
      const config = await loadConfig(good, env);
      expect(config.topicPrefix).toBe('servo-edge/L7');
      expect(config.mqtt.shareGroup).toBe('vision');
      const typo = join(dir, 'typo.yaml');
      await writeFile(typo, 'mqtt:\n  url: mqtt://broker:1883\n  keepalive: 10\n');
      await expect(loadConfig(typo, env)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        problems: [{ code: 'CONFIG_UNKNOWN_KEY', path: 'mqtt.keepalive', line: 3 }],
      });
      await expect(loadConfig(join(dir, 'missing.yaml'), env)).rejects.toMatchObject({
        code: 'CONFIG_UNREADABLE',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('invalid YAML and duplicate keys are CONFIG_PARSE', () => {
    for (const text of ['mqtt: [unclosed', 'line: a\nline: b\n']) {
      const result = checkConfigText(VisionConfigSchema, text);
      expect(!result.ok && result.problems[0]?.code).toBe('CONFIG_PARSE');
    }
  });
});

describe('README', () => {
  it('documents every config key', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const path of CONFIG_KEY_PATHS) expect(readme, path).toContain(`| \`${path}\` |`);
  });
});
