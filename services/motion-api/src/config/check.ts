// The cross-field checks of a motion config that a schema cannot express: unique ids and paths, axis
// references, min < max, defaults within the maxima, limits that fit the protocol's 32-bit counts, dev
// mode only on loopback. Problems use the common codes (@servo-edge/common/config), with paths relative
// to the motion config's root, so the edge gateway can run the same checks on its `motion` section.

import type { PathSegment, RawProblem } from '@servo-edge/common/config';
import type { MotionConfig } from './schema.js';

/** Positions and rates go on the wire as signed 32-bit integers (firmware-protocol §Commands). */
const INT32_MAX = 2 ** 31 - 1;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** What a check may see: with schemaOk false, any key the schema refused is absent. */
type Loose<T> = {
  [K in keyof T]?: T[K] extends readonly (infer E)[]
    ? readonly Loose<E>[]
    : T[K] extends object
      ? Loose<T[K]>
      : T[K];
};

const isNumber = (value: unknown): value is number => typeof value === 'number';

/** Each default rate of a move, with the maximum it must not exceed. */
const RATE_DEFAULTS = [
  ['defaultVelocityUnitsPerS', 'maxVelocityUnitsPerS'],
  ['defaultAccelerationUnitsPerS2', 'maxAccelerationUnitsPerS2'],
] as const;

/**
 * Cross-field checks of a motion config, for `check` of the common config loader. With `schemaOk`
 * false the value is partial (keys the schema refused are absent); only checks whose inputs are all
 * there run, so one mistake is reported once. Never echoes a key.
 */
export function checkMotionConfig(config: MotionConfig, _schemaOk: boolean): RawProblem[] {
  const value = config as Loose<MotionConfig>;
  const problems: RawProblem[] = [];
  const add = (code: RawProblem['code'], segments: readonly PathSegment[], message: string, hint?: string) =>
    problems.push({ code, segments, message, ...(hint === undefined ? {} : { hint }) });

  const controllerIds = new Set<string>();
  const paths = new Set<string>();
  (value.controllers ?? []).forEach((c, i) => {
    if (c.id !== undefined) {
      if (controllerIds.has(c.id))
        add('CONFIG_DUPLICATE', ['controllers', i, 'id'], `duplicate controller id "${c.id}"`);
      controllerIds.add(c.id);
    }
    if (c.path !== undefined) {
      if (paths.has(c.path))
        add('CONFIG_DUPLICATE', ['controllers', i, 'path'], `path "${c.path}" is used twice`);
      paths.add(c.path);
    }
  });

  const names = new Set<string>();
  const slots = new Set<string>();
  (value.axes ?? []).forEach((a, i) => {
    const at = (key: string): PathSegment[] => ['axes', i, key];
    if (a.name !== undefined) {
      if (names.has(a.name)) add('CONFIG_DUPLICATE', at('name'), `duplicate axis name "${a.name}"`);
      names.add(a.name);
    }
    // Only when the controllers list is whole: a refused controller must not make every axis unknown.
    if (a.controller !== undefined && value.controllers !== undefined && !controllerIds.has(a.controller)) {
      add(
        'CONFIG_UNKNOWN_REFERENCE',
        at('controller'),
        `no controller "${a.controller}"`,
        `declared controllers: ${[...controllerIds].join(', ') || 'none'}`,
      );
    }
    if (a.controller !== undefined && a.axis !== undefined) {
      const slot = `${a.controller}/${a.axis}`;
      if (slots.has(slot))
        add('CONFIG_DUPLICATE', at('axis'), `axis ${a.axis} of "${a.controller}" is configured twice`);
      slots.add(slot);
    }
    if (isNumber(a.minUnits) && isNumber(a.maxUnits) && !(a.minUnits < a.maxUnits))
      add(
        'CONFIG_CONFLICT',
        at('maxUnits'),
        `maxUnits ${a.maxUnits} must be greater than minUnits ${a.minUnits}`,
      );
    for (const [key, maxKey] of RATE_DEFAULTS) {
      const rate = a[key];
      const max = a[maxKey];
      if (isNumber(rate) && isNumber(max) && rate > max)
        add('CONFIG_CONFLICT', at(key), `${key} must not exceed ${maxKey}`);
    }
    const countsPerUnit = a.countsPerUnit;
    if (!isNumber(countsPerUnit)) return;
    const inCounts: [string, number | undefined][] = [
      ['minUnits', a.minUnits],
      ['maxUnits', a.maxUnits],
      ['maxVelocityUnitsPerS', a.maxVelocityUnitsPerS],
      ['maxAccelerationUnitsPerS2', a.maxAccelerationUnitsPerS2],
      ['followingErrorLimitUnits', a.followingErrorLimitUnits],
    ];
    for (const [key, units] of inCounts) {
      if (isNumber(units) && Math.abs(Math.round(units * countsPerUnit)) > INT32_MAX)
        add(
          'CONFIG_OUT_OF_RANGE',
          at(key),
          `${units} ${a.unit ?? ''} is beyond ±(2^31-1) counts at ${countsPerUnit} counts per unit`,
        );
    }
    // MOVE needs a rate of at least one count per second (per second²) on the wire.
    for (const [key] of RATE_DEFAULTS) {
      const rate = a[key];
      if (isNumber(rate) && rate * countsPerUnit < 1)
        add('CONFIG_OUT_OF_RANGE', at(key), `${key} is below 1 count`);
    }
  });

  const auth = value.auth;
  if (auth !== undefined) {
    const keyIds = new Set<string>();
    const secrets = new Set<string>();
    (auth.keys ?? []).forEach((k, i) => {
      const at: PathSegment[] = ['auth', 'keys', i];
      if (k.id !== undefined) {
        if (keyIds.has(k.id)) add('CONFIG_DUPLICATE', [...at, 'id'], `duplicate key id "${k.id}"`);
        keyIds.add(k.id);
      }
      if (k.key !== undefined && k.sha256 !== undefined)
        add('CONFIG_CONFLICT', at, 'give exactly one of key and sha256, not both');
      else if (k.key === undefined && k.sha256 === undefined)
        add(
          'CONFIG_MISSING_KEY',
          at,
          'give one of key and sha256',
          'sha256 keeps the key itself out of the file',
        );
      const secret = k.key ?? k.sha256;
      // Never echo the key: the message names the entry only.
      if (secret !== undefined && secrets.has(secret))
        add('CONFIG_DUPLICATE', at, 'the same key is listed twice');
      if (secret !== undefined) secrets.add(secret);
    });
    const host = value.http?.host;
    if (auth.disabled === true) {
      if (host !== undefined && !isLoopbackHost(host))
        add(
          'CONFIG_CONFLICT',
          ['auth', 'disabled'],
          `dev mode without auth is only allowed on a loopback host, not "${host}"`,
          'set http.host to 127.0.0.1, or list keys in auth.keys',
        );
    } else if (auth.disabled === false && auth.keys !== undefined && auth.keys.length === 0) {
      add(
        'CONFIG_CONFLICT',
        ['auth', 'keys'],
        'auth is on but no key is listed',
        'list at least one key, or set auth.disabled on a loopback host',
      );
    }
  }

  const reconnect = value.reconnect;
  if (
    isNumber(reconnect?.initialDelayMs) &&
    isNumber(reconnect?.maxDelayMs) &&
    reconnect.initialDelayMs > reconnect.maxDelayMs
  )
    add(
      'CONFIG_CONFLICT',
      ['reconnect', 'initialDelayMs'],
      'reconnect.initialDelayMs must not exceed maxDelayMs',
    );
  return problems;
}
