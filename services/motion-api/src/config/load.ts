// Loads motion.yaml: parse, apply defaults, validate against the schema, then check what a schema
// cannot (unique ids, references, min < max, dev mode only on loopback). Errors name each path.

import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { type MotionConfig, MotionConfigSchema } from './schema.js';

const INT32_MAX = 2 ** 31 - 1;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Validates an already-parsed configuration object. Throws ConfigError('CONFIG_INVALID'). */
export function parseMotionConfig(raw: unknown): MotionConfig {
  const withDefaults = Value.Default(MotionConfigSchema, structuredClone(raw ?? {}));
  const issues: ConfigIssue[] = [...Value.Errors(MotionConfigSchema, withDefaults)].map((e) => ({
    path: e.path,
    message: e.message,
  }));
  if (issues.length > 0) throw new ConfigError('CONFIG_INVALID', dedupe(issues));
  const config = withDefaults as MotionConfig;
  const semantic = checkSemantics(config);
  if (semantic.length > 0) throw new ConfigError('CONFIG_INVALID', semantic);
  return config;
}

/** Reads and validates a YAML (or JSON) file. */
export async function loadMotionConfigFile(path: string): Promise<MotionConfig> {
  let text: string;
  let raw: unknown;
  try {
    text = await readFile(path, 'utf8');
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError('CONFIG_UNREADABLE', [{ path: '', message: (error as Error).message }]);
  }
  return parseMotionConfig(raw);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checkSemantics(config: MotionConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });

  const controllerIds = new Set<string>();
  const paths = new Set<string>();
  config.controllers.forEach((c, i) => {
    if (controllerIds.has(c.id)) add(`/controllers/${i}/id`, `duplicate controller id "${c.id}"`);
    if (paths.has(c.path)) add(`/controllers/${i}/path`, `path "${c.path}" is used twice`);
    controllerIds.add(c.id);
    paths.add(c.path);
  });

  const names = new Set<string>();
  const slots = new Set<string>();
  config.axes.forEach((a, i) => {
    const at = (key: string) => `/axes/${i}/${key}`;
    if (names.has(a.name)) add(at('name'), `duplicate axis name "${a.name}"`);
    names.add(a.name);
    if (!controllerIds.has(a.controller)) add(at('controller'), `no controller "${a.controller}"`);
    const slot = `${a.controller}/${a.axis}`;
    if (slots.has(slot)) add(at('axis'), `axis ${a.axis} of "${a.controller}" is configured twice`);
    slots.add(slot);
    if (!(a.minUnits < a.maxUnits)) add(at('maxUnits'), 'must be greater than minUnits');
    if (a.defaultVelocityUnitsPerS > a.maxVelocityUnitsPerS)
      add(at('defaultVelocityUnitsPerS'), 'must not exceed maxVelocityUnitsPerS');
    if (a.defaultAccelerationUnitsPerS2 > a.maxAccelerationUnitsPerS2)
      add(at('defaultAccelerationUnitsPerS2'), 'must not exceed maxAccelerationUnitsPerS2');
    const counts: [string, number][] = [
      ['minUnits', a.minUnits],
      ['maxUnits', a.maxUnits],
      ['maxVelocityUnitsPerS', a.maxVelocityUnitsPerS],
      ['maxAccelerationUnitsPerS2', a.maxAccelerationUnitsPerS2],
      ['followingErrorLimitUnits', a.followingErrorLimitUnits ?? 0],
    ];
    for (const [key, value] of counts) {
      if (Math.abs(Math.round(value * a.countsPerUnit)) > INT32_MAX)
        add(at(key), `${value} ${a.unit} is beyond ±(2^31-1) counts at ${a.countsPerUnit} counts/${a.unit}`);
    }
    if (a.defaultVelocityUnitsPerS * a.countsPerUnit < 1)
      add(at('defaultVelocityUnitsPerS'), 'is below 1 count/s');
    if (a.defaultAccelerationUnitsPerS2 * a.countsPerUnit < 1)
      add(at('defaultAccelerationUnitsPerS2'), 'is below 1 count/s²');
  });

  const keyIds = new Set<string>();
  const secrets = new Set<string>();
  config.auth.keys.forEach((k, i) => {
    const at = `/auth/keys/${i}`;
    if (keyIds.has(k.id)) add(`${at}/id`, `duplicate key id "${k.id}"`);
    keyIds.add(k.id);
    if ((k.key === undefined) === (k.sha256 === undefined)) add(at, 'give exactly one of key or sha256');
    const secret = k.key ?? k.sha256 ?? '';
    if (secret && secrets.has(secret)) add(at, 'the same key is listed twice'); // never echo the key
    secrets.add(secret);
  });
  if (config.auth.disabled) {
    if (!isLoopbackHost(config.http.host))
      add(
        '/auth/disabled',
        `dev mode without auth is only allowed on a loopback host, not "${config.http.host}"`,
      );
  } else if (config.auth.keys.length === 0) {
    add('/auth/keys', 'auth is on: list at least one key (or set auth.disabled on a loopback host)');
  }
  if (config.reconnect.initialDelayMs > config.reconnect.maxDelayMs)
    add('/reconnect/initialDelayMs', 'must not exceed maxDelayMs');
  return issues;
}
