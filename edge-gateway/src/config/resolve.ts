// From a schema-checked document to a GatewayConfig: env overrides, secrets, cross-field checks; all problems at once.
// Problems carry the common codes (CONFIG_CONFLICT, CONFIG_DUPLICATE, ...); `$env.NAME` paths name a variable.

import { createHash } from 'node:crypto';
import { type PathSegment, type RawProblem, validateAgainstSchema } from '@servo-edge/common/config';
// One definition of a loopback host for the motion API's dev mode and the gateway's devModeNoAuth.
import { isLoopbackHost } from '@servo-edge/motion-api';
import { envValue, MIN_SECRET_LENGTH } from './env.js';
import { type GatewayConfigDocument, MqttEmbeddedSchema } from './schema.js';
import type { ApiKey, ApiKeySource, ConfigEnvironment, GatewayConfig, MqttConfig } from './types.js';

/** The schema-checked document: sections with problems may be missing, so every read here is guarded. */
type Partial_<T> = { [K in keyof T]?: T[K] extends object ? Partial_<T[K]> : T[K] };
type CheckedDocument = Partial_<GatewayConfigDocument>;

export interface ResolveResult {
  config: GatewayConfig | undefined;
  problems: RawProblem[];
}

/**
 * `checked` is the common walker's output; `schemaClean` says it had no problems (else keys it refused
 * are absent). Cross-field checks still run on what is there, so one pass reports everything; the
 * config is built only from a clean document with no problems.
 */
export function resolveConfig(
  checked: GatewayConfigDocument,
  schemaClean: boolean,
  env: ConfigEnvironment,
): ResolveResult {
  const doc = checked as CheckedDocument;
  const problems: RawProblem[] = [];
  const report = (code: RawProblem['code'], segments: PathSegment[], message: string, hint?: string) => {
    problems.push({ code, segments, message, ...(hint === undefined ? {} : { hint }) });
  };

  // 1. Env port overrides, each bounds-checked like the key it replaces.
  const envPort = (name: string): number | undefined => {
    const raw = envValue(env, name);
    if (raw === undefined) return undefined;
    const value = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= 0 && value <= 65535)) {
      report('CONFIG_ENV_INVALID', ['$env', name], `${name} must be a port number 0..65535`);
      return undefined;
    }
    return value;
  };
  const httpPort = envPort('SERVO_EDGE_PORT') ?? doc.http?.port;
  const mqtt = resolveMqtt(
    doc,
    env,
    report,
    envPort('SERVO_EDGE_MQTT_PORT'),
    envPort('SERVO_EDGE_MQTT_WS_PORT'),
  );

  // 2. Ports that would collide (0 means "pick a free one" and never collides).
  if (mqtt?.mode === 'embedded') {
    if (mqtt.portTcp !== 0 && mqtt.portTcp === mqtt.portWs) {
      report(
        'CONFIG_CONFLICT',
        ['mqtt', 'embedded', 'portWs'],
        `mqtt.embedded.portWs and portTcp are both ${mqtt.portTcp}`,
      );
    }
    if (httpPort !== undefined && httpPort !== 0 && (httpPort === mqtt.portTcp || httpPort === mqtt.portWs)) {
      report('CONFIG_CONFLICT', ['http', 'port'], `http.port ${httpPort} is also an MQTT port`);
    }
  }

  // 3. Keys and their secrets.
  const keys = resolveKeys(doc, env, report);

  // 4. Auth off is for a developer's own machine only.
  const devModeNoAuth = doc.auth?.devModeNoAuth === true;
  if (devModeNoAuth) {
    if (doc.http?.host !== undefined && !isLoopbackHost(doc.http.host)) {
      report(
        'CONFIG_CONFLICT',
        ['http', 'host'],
        'auth.devModeNoAuth requires a loopback http.host',
        'use 127.0.0.1',
      );
    }
    if (mqtt?.mode === 'embedded' && !isLoopbackHost(mqtt.host)) {
      report(
        'CONFIG_CONFLICT',
        ['mqtt', 'embedded', 'host'],
        'auth.devModeNoAuth requires a loopback mqtt.embedded.host',
        'use 127.0.0.1',
      );
    }
  } else if (keys !== undefined && keys.length === 0) {
    report(
      'CONFIG_MISSING_KEY',
      ['auth', 'keys'],
      'auth.keys is empty: nobody could use the gateway',
      'add a key, set SERVO_EDGE_API_KEY, or (loopback only) set auth.devModeNoAuth: true',
    );
  }

  // 5. The line's geometry and axis roles.
  const stations = doc.line?.stations;
  if (
    stations?.cameraMm !== undefined &&
    stations.rejectMm !== undefined &&
    stations.rejectMm <= stations.cameraMm
  ) {
    report(
      'CONFIG_CONFLICT',
      ['line', 'stations', 'rejectMm'],
      `line.stations.rejectMm (${stations.rejectMm}) must be downstream of cameraMm (${stations.cameraMm})`,
    );
  }
  const axisRoles = Object.entries(doc.line?.axes ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  const seenAxes = new Map<string, string>();
  for (const [role, axis] of axisRoles) {
    const first = seenAxes.get(axis);
    if (first !== undefined) {
      report(
        'CONFIG_DUPLICATE',
        ['line', 'axes', role],
        `line.axes.${role} is \`${axis}\`, already used by line.axes.${first}`,
      );
    } else seenAxes.set(axis, role);
  }

  if (
    !schemaClean ||
    problems.length > 0 ||
    keys === undefined ||
    mqtt === undefined ||
    httpPort === undefined
  ) {
    return { config: undefined, problems };
  }
  // The schema passed, so every required section is present and typed.
  return {
    problems,
    config: {
      http: { ...checked.http, port: httpPort },
      auth: { devModeNoAuth, keys },
      mqtt,
      topicPrefix: checked.topicPrefix ?? defaultTopicPrefix(checked.line?.name),
      ...(checked.line === undefined ? {} : { line: checked.line }),
      bridge: checked.bridge,
      motion: checked.motion,
    },
  };
}

/** `servo-edge/<line.name>`; without a line, `servo-edge` (its axes and links sit right under it). */
function defaultTopicPrefix(lineName: string | undefined): string {
  return lineName === undefined ? 'servo-edge' : `servo-edge/${lineName}`;
}

type Report = (code: RawProblem['code'], segments: PathSegment[], message: string, hint?: string) => void;

function resolveMqtt(
  doc: CheckedDocument,
  env: ConfigEnvironment,
  report: Report,
  envPortTcp: number | undefined,
  envPortWs: number | undefined,
): MqttConfig | undefined {
  const section = doc.mqtt;
  if (section === undefined) return undefined;
  if (section.embedded !== undefined && section.external !== undefined) {
    report(
      'CONFIG_CONFLICT',
      ['mqtt', 'external'],
      'mqtt.embedded and mqtt.external are both given',
      'keep one of them',
    );
    return undefined;
  }
  if (section.external !== undefined) {
    const external = section.external;
    for (const [name, value] of [
      ['SERVO_EDGE_MQTT_PORT', envPortTcp],
      ['SERVO_EDGE_MQTT_WS_PORT', envPortWs],
    ] as const) {
      if (value !== undefined) {
        report(
          'CONFIG_ENV_INVALID',
          ['$env', name],
          `${name} applies to the embedded broker, but mqtt.external is configured`,
        );
      }
    }
    let password: string | undefined;
    if (external.passwordEnv !== undefined) {
      password = envValue(env, external.passwordEnv);
      if (password === undefined) {
        report(
          'CONFIG_SECRET_MISSING',
          ['mqtt', 'external', 'passwordEnv'],
          `environment variable ${external.passwordEnv} (mqtt.external.passwordEnv) is not set`,
        );
      }
      if (external.username === undefined) {
        report(
          'CONFIG_CONFLICT',
          ['mqtt', 'external', 'passwordEnv'],
          'a password needs mqtt.external.username',
        );
      }
    }
    if (external.url === undefined || external.connectTimeoutMs === undefined) return undefined;
    return {
      mode: 'external',
      url: external.url,
      username: external.username,
      password,
      connectTimeoutMs: external.connectTimeoutMs,
    };
  }
  // Neither given: the embedded broker with its defaults.
  type Embedded = NonNullable<CheckedDocument['mqtt']>['embedded'];
  const embedded: Embedded = section.embedded ?? validateAgainstSchema(MqttEmbeddedSchema, {}).value;
  if (
    embedded?.host === undefined ||
    embedded.portTcp === undefined ||
    embedded.portWs === undefined ||
    embedded.drainTimeoutMs === undefined ||
    embedded.connectTimeoutMs === undefined
  ) {
    return undefined;
  }
  return {
    mode: 'embedded',
    host: embedded.host,
    portTcp: envPortTcp ?? embedded.portTcp,
    portWs: envPortWs ?? embedded.portWs,
    drainTimeoutMs: embedded.drainTimeoutMs,
    connectTimeoutMs: embedded.connectTimeoutMs,
  };
}

function resolveKeys(doc: CheckedDocument, env: ConfigEnvironment, report: Report): ApiKey[] | undefined {
  const entries = doc.auth?.keys;
  if (entries === undefined) return undefined;
  const keys: ApiKey[] = [];
  let complete = true;

  // SERVO_EDGE_API_KEY replaces the first admin key's secret, so that key's own source is not needed.
  const envAdminKey = envValue(env, 'SERVO_EDGE_API_KEY');
  if (envAdminKey !== undefined && envAdminKey.length < MIN_SECRET_LENGTH) {
    report(
      'CONFIG_ENV_INVALID',
      ['$env', 'SERVO_EDGE_API_KEY'],
      `SERVO_EDGE_API_KEY must be at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  const overridden = envAdminKey === undefined ? -1 : entries.findIndex((entry) => entry?.role === 'admin');

  const names = new Map<string, number>();
  entries.forEach((entry, index) => {
    const at: PathSegment[] = ['auth', 'keys', index];
    if (entry === undefined || entry.name === undefined || entry.role === undefined) {
      complete = false;
      return;
    }
    const first = names.get(entry.name);
    if (first !== undefined) {
      report(
        'CONFIG_DUPLICATE',
        [...at, 'name'],
        `key name \`${entry.name}\` is already used by auth.keys[${first}]`,
      );
    } else names.set(entry.name, index);

    let secret: string | undefined;
    let source: Exclude<ApiKeySource, 'sha256'> = 'file';
    const given = (['key', 'keyEnv', 'sha256'] as const).filter((field) => entry[field] !== undefined);
    if (given.length > 1) {
      report(
        'CONFIG_CONFLICT',
        [...at, given[1]!],
        `give one of \`key\`, \`keyEnv\` or \`sha256\`, not ${given.map((f) => `\`${f}\``).join(' and ')}`,
      );
    } else if (index === overridden) {
      secret = envAdminKey;
      source = 'SERVO_EDGE_API_KEY';
    } else if (entry.key !== undefined) {
      secret = entry.key;
    } else if (entry.keyEnv !== undefined) {
      secret = envValue(env, entry.keyEnv);
      source = 'keyEnv';
      if (secret === undefined) {
        report(
          'CONFIG_SECRET_MISSING',
          [...at, 'keyEnv'],
          `environment variable ${entry.keyEnv} (auth.keys[${index}].keyEnv) is not set`,
        );
      } else if (secret.length < MIN_SECRET_LENGTH) {
        report(
          'CONFIG_ENV_INVALID',
          ['$env', entry.keyEnv],
          `${entry.keyEnv} must be at least ${MIN_SECRET_LENGTH} characters`,
        );
        secret = undefined;
      }
    } else if (entry.sha256 !== undefined) {
      // Only the digest: the key store and the motion API compare digests, so no secret is needed.
      keys.push({ name: entry.name, sha256: entry.sha256, role: entry.role, source: 'sha256' });
      return;
    } else {
      report(
        'CONFIG_MISSING_KEY',
        [...at, 'key'],
        `auth.keys[${index}] has no secret`,
        'set `keyEnv` (preferred), `sha256` or `key`',
      );
    }
    if (secret === undefined) complete = false;
    else keys.push({ name: entry.name, key: secret, role: entry.role, source });
  });

  if (envAdminKey !== undefined && overridden === -1) {
    if (names.has('admin')) {
      report(
        'CONFIG_DUPLICATE',
        ['$env', 'SERVO_EDGE_API_KEY'],
        'SERVO_EDGE_API_KEY would add an admin key named `admin`, but a non-admin key has that name',
      );
    } else if (envAdminKey.length >= MIN_SECRET_LENGTH) {
      keys.push({ name: 'admin', key: envAdminKey, role: 'admin', source: 'SERVO_EDGE_API_KEY' });
    }
  }

  // Two keys with one secret would make a Bearer token ambiguous; compared as digests, so a `sha256`
  // entry and a `key` entry holding the same secret are caught too.
  const secrets = new Map<string, string>();
  for (const key of keys) {
    const digest = key.source === 'sha256' ? key.sha256 : sha256Hex(key.key);
    const first = secrets.get(digest);
    if (first !== undefined) {
      report(
        'CONFIG_DUPLICATE',
        ['auth', 'keys'],
        `keys \`${first}\` and \`${key.name}\` have the same secret`,
      );
    } else secrets.set(digest, key.name);
  }
  return complete ? keys : undefined;
}

function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
