// The service configuration: declared once as a schema, loaded from YAML, bounds-checked, env-overridden.

import { readFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { VisionError } from './errors.js';
import { type InferFields, int, keyPaths, obj, oneOf, str, validate } from './schema.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_DOC = '1-64 characters of A-Z a-z 0-9 _ -';

/** Every config key, its bounds, its default and its README line. */
export const CONFIG_SCHEMA = {
  line: str({
    doc: 'Packaging line name; part of the default topic prefix.',
    pattern: ID,
    patternDoc: ID_DOC,
    default: 'line-1',
  }),
  instance: str({
    doc: "This instance's name in status topics and verdicts. Default: `vision-<hostname>-<pid>`.",
    pattern: ID,
    patternDoc: ID_DOC,
    optional: true,
  }),
  topicPrefix: str({
    doc: 'Topic namespace. Default: `servo-edge/<line>`.',
    // No wildcards, no leading `$` or `/`, no empty levels [MQTT-4.7.1-1], [MQTT-4.7.2-1].
    pattern: /^(?!\$)[^/#+\u0000]+(\/[^/#+\u0000]+)*$/,
    patternDoc: 'topic levels without wildcards, not starting with $ or /',
    optional: true,
  }),
  mqtt: obj(
    {
      url: str({
        doc: 'Broker URL (mqtt, mqtts, ws, wss).',
        pattern: /^(mqtts?|wss?|tcp|ssl|tls):\/\/\S+$/,
        patternDoc: 'an mqtt://, mqtts://, ws:// or wss:// URL',
        default: 'mqtt://127.0.0.1:1883',
      }),
      protocolVersion: oneOf({ doc: 'MQTT protocol: 4 (3.1.1) or 5.', values: [4, 5] as const, default: 5 }),
      clientId: str({
        doc: 'Client id. Default: `servo-vision-<instance>`.',
        pattern: /^\S{1,128}$/,
        optional: true,
      }),
      username: str({ doc: 'Broker user name.', pattern: /^\S{1,128}$/, optional: true }),
      password: str({
        doc: 'Broker password; `SERVO_VISION_MQTT_PASSWORD` overrides it. Never logged.',
        optional: true,
      }),
      shareGroup: str({
        doc: 'Subscribe to frames as `$share/<shareGroup>/...` so instances split the load (MQTT 5 broker).',
        pattern: ID,
        patternDoc: ID_DOC,
        optional: true,
      }),
      keepaliveS: int({ doc: 'Keepalive interval, seconds.', min: 5, max: 3600, default: 30 }),
      connectTimeoutMs: int({
        doc: 'How long `start()` waits for the first connection.',
        min: 100,
        max: 120_000,
        default: 10_000,
      }),
    },
    { doc: 'Broker connection.' },
  ),
  inspection: obj(
    {
      workers: int({
        doc: 'Decode worker threads. Default and maximum: the core count.',
        min: 1,
        max: 256,
        optional: true,
      }),
      queueLength: int({
        doc: 'Frames that may wait for a worker; more are rejected QUEUE_FULL.',
        min: 1,
        max: 10_000,
        default: 16,
      }),
      deadlineMs: int({
        doc: 'A frame still queued this long after arrival is rejected DEADLINE_EXCEEDED.',
        min: 1,
        max: 600_000,
        default: 500,
      }),
      decodeTimeoutMs: int({
        doc: 'A decode running this long is abandoned and its worker replaced.',
        min: 10,
        max: 600_000,
        default: 2_000,
      }),
    },
    { doc: 'Work queue and worker pool.' },
  ),
  limits: obj(
    {
      maxPayloadBytes: int({
        doc: 'Largest frame payload accepted.',
        min: 1024,
        max: 256 * 1024 * 1024,
        default: 8 * 1024 * 1024,
      }),
      maxImageWidthPx: int({ doc: 'Widest image accepted.', min: 16, max: 16_384, default: 4096 }),
      maxImageHeightPx: int({ doc: 'Tallest image accepted.', min: 16, max: 16_384, default: 4096 }),
    },
    { doc: 'Input limits; anything beyond them is UNREADABLE_IMAGE.' },
  ),
  log: obj(
    {
      level: oneOf({
        doc: 'Log level.',
        values: ['debug', 'info', 'warn', 'error'] as const,
        default: 'info',
      }),
    },
    { doc: 'Logging.' },
  ),
} as const;

type RawConfig = InferFields<typeof CONFIG_SCHEMA>;

/** The validated configuration with every default resolved. */
export interface VisionConfig extends Omit<RawConfig, 'instance' | 'topicPrefix' | 'inspection'> {
  instance: string;
  topicPrefix: string;
  inspection: Required<RawConfig['inspection']>;
}

export const CONFIG_KEY_PATHS = keyPaths(CONFIG_SCHEMA).map((entry) => entry.path);

export interface ConfigEnvironment {
  env?: Record<string, string | undefined>;
  /** Cores available for workers; injected so tests can check the bound. */
  coreCount?: number;
  hostName?: string;
  pid?: number;
}

/** Validates a parsed config document and resolves defaults and the password override. */
export function resolveConfig(document: unknown, environment: ConfigEnvironment = {}): VisionConfig {
  const raw = validate(CONFIG_SCHEMA, document ?? {});
  const env = environment.env ?? process.env;
  const coreCount = environment.coreCount ?? availableParallelism();
  const workers = raw.inspection.workers ?? coreCount;
  if (workers > coreCount) {
    throw new VisionError(
      'OUT_OF_RANGE',
      `inspection.workers must be at most the core count (${coreCount})`,
      {
        path: 'inspection.workers',
      },
    );
  }
  const instance =
    raw.instance ?? defaultInstance(environment.hostName ?? hostname(), environment.pid ?? process.pid);
  const password = env['SERVO_VISION_MQTT_PASSWORD'] ?? raw.mqtt.password;
  return {
    ...raw,
    instance,
    topicPrefix: raw.topicPrefix ?? `servo-edge/${raw.line}`,
    mqtt: { ...raw.mqtt, ...(password === undefined ? {} : { password }) },
    inspection: { ...raw.inspection, workers },
  };
}

/** Reads and validates a YAML config file. */
export async function loadConfig(
  filePath: string,
  environment: ConfigEnvironment = {},
): Promise<VisionConfig> {
  const text = await readFile(filePath, 'utf8');
  return resolveConfig(parseConfigText(text), environment);
}

export function parseConfigText(text: string): unknown {
  try {
    // Plain YAML 1.2 core schema: no custom tags, so a config file cannot construct objects.
    return parseYaml(text, { schema: 'core', uniqueKeys: true });
  } catch (error) {
    throw new VisionError('PARSE_FAILED', 'config is not valid YAML', { cause: error });
  }
}

function defaultInstance(hostName: string, pid: number): string {
  const safeHost = hostName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
  return `vision-${safeHost}-${pid}`;
}

/** The config as it may be logged: the password is replaced by a marker. */
export function redactedConfig(config: VisionConfig): unknown {
  return {
    ...config,
    mqtt: { ...config.mqtt, password: config.mqtt.password === undefined ? undefined : '[redacted]' },
  };
}
