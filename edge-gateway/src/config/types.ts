// The validated, resolved gateway config: defaults filled, env overrides applied, secrets read.

import type { Role } from '../auth/roles.js';

export interface ApiKey {
  /** Also the MQTT username. */
  name: string;
  /** The secret. Never log it; `redactConfig()` removes it. */
  key: string;
  role: Role;
  /** Where the secret came from: the file, the variable named by `keyEnv`, or SERVO_EDGE_API_KEY. */
  source: 'file' | 'keyEnv' | 'SERVO_EDGE_API_KEY';
}

export interface AuthConfig {
  /** Loopback only (checked at load). */
  devModeNoAuth: boolean;
  keys: readonly ApiKey[];
}

export interface HttpConfig {
  host: string;
  port: number;
  rateLimitPerMin: number;
}

export interface EmbeddedMqttConfig {
  mode: 'embedded';
  host: string;
  portTcp: number;
  portWs: number;
  drainTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface ExternalMqttConfig {
  mode: 'external';
  url: string;
  username: string | undefined;
  /** Read from `passwordEnv`. Never log it. */
  password: string | undefined;
  connectTimeoutMs: number;
}

export type MqttConfig = EmbeddedMqttConfig | ExternalMqttConfig;

export interface LineConfig {
  name: string;
  productSpacingMm: number;
  stations: { cameraMm: number; rejectMm: number };
  axes: { conveyor: string; rejectArm: string; filler: string | undefined; sealer: string | undefined };
  rates: { productsPerMin: number; rateWindowMs: number };
  camera: string;
  conveyorAccelerationMmPerS2: number;
  rejectArm: {
    homePosition: number;
    outPosition: number;
    velocityUnitsPerS: number;
    accelerationUnitsPerS2: number;
  };
  rejectWithoutVerdict: boolean;
  commandLatencyMs: number;
  samplePeriodMs: number;
  recentInspectionsMax: number;
}

export interface BridgeConfig {
  publishIntervalMs: number;
  maxInspectionBytes: number;
}

export interface GatewayConfig {
  http: HttpConfig;
  auth: AuthConfig;
  mqtt: MqttConfig;
  /** Always set: `servo-edge/<line.name>` when the file leaves it out. */
  topicPrefix: string;
  line: LineConfig;
  bridge: BridgeConfig;
  /** Opaque here; the motion API's loader owns its schema. */
  motion: Record<string, unknown>;
}

/** Environment variables, e.g. `process.env`. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;
