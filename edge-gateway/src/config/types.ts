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

export interface ApiKey extends Pick<Static<typeof ApiKeyEntrySchema>, 'name' | 'role'> {
  /** The secret, from `key`, the variable named by `keyEnv`, or SERVO_EDGE_API_KEY. Never log it; `redactConfig()` removes it. */
  key: string;
  /** Where the secret came from. */
  source: 'file' | 'keyEnv' | 'SERVO_EDGE_API_KEY';
}

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
  /** Always set: `servo-edge/<line.name>` when the file leaves it out. */
  topicPrefix: string;
  line: LineConfig;
  bridge: BridgeConfig;
  motion: MotionSectionConfig;
}

/** Environment variables, e.g. `process.env`. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;
