// The service configuration (vision.yaml): one TypeBox schema, checked by the common config walker, so a
// typo, a missing key or an out-of-range value has the same CONFIG_* code and dotted path as in every
// other servo-edge config file. Defaults are resolved here; SERVO_VISION_MQTT_PASSWORD overrides the file.

import { availableParallelism, hostname } from 'node:os';
import {
  type ConfigCheckOptions,
  configKeyRows,
  loadConfigFile,
  parseConfigValue,
  type RawProblem,
} from '@servo-edge/common/config';
import { type Static, Type } from '@sinclair/typebox';

const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const ID_DOC = '1-64 characters of A-Z a-z 0-9 _ -';
const Id = (description: string, defaultValue?: string) =>
  Type.String({
    pattern: ID_PATTERN,
    patternDoc: ID_DOC,
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
const Int = (minimum: number, maximum: number, description: string, defaultValue?: number) =>
  Type.Integer({
    minimum,
    maximum,
    description,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });

/** Every config key, its bounds, its default and its README line. */
export const VisionConfigSchema = Type.Object({
  line: Id('Packaging line name; part of the default topic prefix.', 'line-1'),
  instance: Type.Optional(
    Id("This instance's name in status topics and verdicts. Default: `vision-<hostname>-<pid>`."),
  ),
  topicPrefix: Type.Optional(
    Type.String({
      // No wildcards, no leading `$` or `/`, no empty levels [MQTT-4.7.1-1], [MQTT-4.7.2-1].
      pattern: '^(?!\\$)[^/#+\\u0000]+(\\/[^/#+\\u0000]+)*$',
      patternDoc: 'topic levels without wildcards, not starting with $ or /',
      description: 'Topic namespace. Default: `servo-edge/<line>`.',
    }),
  ),
  mqtt: Type.Object(
    {
      url: Type.String({
        pattern: '^(mqtts?|wss?|tcp|ssl|tls)://\\S+$',
        patternDoc: 'an mqtt://, mqtts://, ws:// or wss:// URL',
        default: 'mqtt://127.0.0.1:1883',
        description: 'Broker URL (mqtt, mqtts, ws, wss).',
      }),
      protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5)], {
        default: 5,
        description: 'MQTT protocol: 4 (3.1.1) or 5.',
      }),
      clientId: Type.Optional(
        Type.String({
          pattern: '^\\S{1,128}$',
          description: 'Client id. Default: `servo-vision-<instance>`.',
        }),
      ),
      username: Type.Optional(Type.String({ pattern: '^\\S{1,128}$', description: 'Broker user name.' })),
      password: Type.Optional(
        Type.String({
          description: 'Broker password; `SERVO_VISION_MQTT_PASSWORD` overrides it. Never logged.',
        }),
      ),
      shareGroup: Type.Optional(
        Id('Subscribe to frames as `$share/<shareGroup>/...` so instances split the load (MQTT 5 broker).'),
      ),
      keepaliveS: Int(5, 3600, 'Keepalive interval, seconds.', 30),
      connectTimeoutMs: Int(100, 120_000, 'How long `start()` waits for the first connection.', 10_000),
    },
    { description: 'Broker connection.' },
  ),
  inspection: Type.Object(
    {
      workers: Type.Optional(Int(1, 256, 'Decode worker threads. Default and maximum: the core count.')),
      queueLength: Int(1, 10_000, 'Frames that may wait for a worker; more are rejected QUEUE_FULL.', 16),
      deadlineMs: Int(
        1,
        600_000,
        'A frame still queued this long after arrival is rejected DEADLINE_EXCEEDED.',
        500,
      ),
      decodeTimeoutMs: Int(
        10,
        600_000,
        'A decode running this long is abandoned and its worker replaced.',
        2_000,
      ),
      workerHeapMb: Int(
        16,
        4_096,
        "Initial old generation of each decode worker's V8 heap, MB: below about 128 V8 runs a full collection every few frames (README, Work queue and workers).",
        128,
      ),
    },
    { description: 'Work queue and worker pool.' },
  ),
  limits: Type.Object(
    {
      maxPayloadBytes: Int(1024, 256 * 1024 * 1024, 'Largest frame payload accepted.', 8 * 1024 * 1024),
      maxImageWidthPx: Int(16, 16_384, 'Widest image accepted.', 4096),
      maxImageHeightPx: Int(16, 16_384, 'Tallest image accepted.', 4096),
    },
    { description: 'Input limits; anything beyond them is UNREADABLE_IMAGE.' },
  ),
  log: Type.Object(
    {
      level: Type.Union(
        [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
        {
          default: 'info',
          description: 'Log level.',
        },
      ),
    },
    { description: 'Logging.' },
  ),
});

type RawConfig = Static<typeof VisionConfigSchema>;

/** The validated configuration with every default resolved. */
export interface VisionConfig extends Omit<RawConfig, 'instance' | 'topicPrefix' | 'inspection'> {
  instance: string;
  topicPrefix: string;
  inspection: Required<RawConfig['inspection']>;
}

/** Every key path, e.g. `mqtt.url`; the README's config table lists each one. */
export const CONFIG_KEY_PATHS = configKeyRows(VisionConfigSchema).map((row) => row.path);

export interface ConfigEnvironment {
  env?: Record<string, string | undefined>;
  /** Cores available for workers; injected so tests can check the bound. */
  coreCount?: number;
  hostName?: string;
  pid?: number;
}

/** More decode threads than cores only adds contention: each one is CPU-bound. */
function workersWithinCores(coreCount: number): ConfigCheckOptions<RawConfig> {
  return {
    check(config): RawProblem[] {
      const workers = config.inspection?.workers;
      if (workers === undefined || workers <= coreCount) return [];
      return [
        {
          code: 'CONFIG_OUT_OF_RANGE',
          segments: ['inspection', 'workers'],
          message: `inspection.workers must be at most the core count (${coreCount}), not ${workers}`,
        },
      ];
    },
  };
}

/** Validates a parsed config document and resolves defaults; throws the common ConfigError (CONFIG_INVALID). */
export function resolveConfig(document: unknown, environment: ConfigEnvironment = {}): VisionConfig {
  const coreCount = environment.coreCount ?? availableParallelism();
  return resolveDefaults(parseConfigValue(VisionConfigSchema, document, workersWithinCores(coreCount)), {
    ...environment,
    coreCount,
  });
}

/** Reads and validates a YAML config file; problems carry line numbers. Throws ConfigError. */
export async function loadConfig(
  filePath: string,
  environment: ConfigEnvironment = {},
): Promise<VisionConfig> {
  const coreCount = environment.coreCount ?? availableParallelism();
  const raw = await loadConfigFile(VisionConfigSchema, filePath, workersWithinCores(coreCount));
  return resolveDefaults(raw, { ...environment, coreCount });
}

function resolveDefaults(
  raw: RawConfig,
  environment: ConfigEnvironment & { coreCount: number },
): VisionConfig {
  const env = environment.env ?? process.env;
  const instance =
    raw.instance ?? defaultInstance(environment.hostName ?? hostname(), environment.pid ?? process.pid);
  const password = env['SERVO_VISION_MQTT_PASSWORD'] ?? raw.mqtt.password;
  return {
    ...raw,
    instance,
    topicPrefix: raw.topicPrefix ?? `servo-edge/${raw.line}`,
    mqtt: { ...raw.mqtt, ...(password === undefined ? {} : { password }) },
    inspection: { ...raw.inspection, workers: raw.inspection.workers ?? environment.coreCount },
  };
}

function defaultInstance(hostName: string, pid: number): string {
  const safeHost = hostName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'host';
  return `vision-${safeHost}-${pid}`;
}

/** The config as it may be logged: the password is replaced by a marker (the logger redacts it too). */
export function redactedConfig(config: VisionConfig): unknown {
  return {
    ...config,
    mqtt: { ...config.mqtt, password: config.mqtt.password === undefined ? undefined : '[redacted]' },
  };
}
