// The RESOLVED gateway config (what loadConfigFile returns). Its sections come from the schema (Static<>);
// this file exists only for the parts whose shape resolve.ts changes: keys carry their secret read from
// the environment and its source, `mqtt` becomes one of two modes, `topicPrefix` is always set.

import type { Static } from '@sinclair/typebox';
import type {
  ApiKeyEntrySchema,
  BridgeSchema,
  HttpSchema,
  LineSchema,
  MotionSectionSchema,
  MqttEmbeddedSchema,
  MqttExternalSchema,
} from './schema.js';

/** Where a key's secret (or its digest) came from. */
export type ApiKeySource = 'file' | 'keyEnv' | 'SERVO_EDGE_API_KEY' | 'sha256';

/**
 * One key: its secret (from `key`, the variable named by `keyEnv`, or SERVO_EDGE_API_KEY), or, when the
 * file gives only `sha256`, the digest of a secret the gateway never sees. Both authenticate HTTP and
 * MQTT: the key store and the motion API keep digests only. Never log `key`; `redactConfig()` removes it.
 */
export type ApiKey = Pick<Static<typeof ApiKeyEntrySchema>, 'name' | 'role'> &
  (
    | { key: string; source: Exclude<ApiKeySource, 'sha256'> }
    | {
        /** SHA-256 of the secret, 64 lower-case hex digits. */
        sha256: string;
        source: 'sha256';
      }
  );

export interface AuthConfig {
  /** Loopback only (checked at load). */
  devModeNoAuth: boolean;
  keys: readonly ApiKey[];
}

/** `port` may come from SERVO_EDGE_PORT. */
export type HttpConfig = Static<typeof HttpSchema>;

/** The ports may come from SERVO_EDGE_MQTT_PORT / SERVO_EDGE_MQTT_WS_PORT. */
export type EmbeddedMqttConfig = { mode: 'embedded' } & Static<typeof MqttEmbeddedSchema>;

export type ExternalMqttConfig = { mode: 'external' } & Omit<
  Static<typeof MqttExternalSchema>,
  'passwordEnv'
> & {
    /** Read from the variable named by `passwordEnv`. Never log it. */
    password: string | undefined;
  };

export type MqttConfig = EmbeddedMqttConfig | ExternalMqttConfig;

export type LineConfig = Static<typeof LineSchema>;

export type BridgeConfig = Static<typeof BridgeSchema>;

/** The motion API's sections; the gateway adds `http` and `auth` from its own (gateway.ts). */
export type MotionSectionConfig = Static<typeof MotionSectionSchema>;

export interface GatewayConfig {
  http: HttpConfig;
  auth: AuthConfig;
  mqtt: MqttConfig;
  /** Always set: `servo-edge/<line.name>` (or `servo-edge` without a line) when the file leaves it out. */
  topicPrefix: string;
  /** Absent: no packaging line; the gateway serves the axes, the broker and the dashboard only. */
  line?: LineConfig;
  bridge: BridgeConfig;
  motion: MotionSectionConfig;
}

/** A config with a packaging line (what the demo and its plant run); `withLine()` makes one. */
export type LineGatewayConfig = GatewayConfig & { line: LineConfig };

/** Environment variables, e.g. `process.env`. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;
