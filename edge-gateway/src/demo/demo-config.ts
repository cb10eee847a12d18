// The demo's gateway config: edge.demo.yaml with fresh keys (from the environment, never in the file),
// the requested rate, and optionally an external broker or real serial paths for the controllers.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfigText } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';

export interface ExternalBrokerOption {
  url: string;
  /** MQTT 5 broker (Mosquitto): the vision service speaks 5 to it. */
  protocolVersion: 4 | 5;
  /** The broker must know these users (name = API key name, password = key): see `demoKeys`. */
  keys: DemoKeys;
}

export interface DemoKeys {
  admin: string;
  operator: string;
  viewer: string;
  vision: string;
  camera: string;
}

export interface DemoConfigOptions {
  /** Environment for overrides: SERVO_EDGE_PORT, SERVO_EDGE_MQTT_PORT, SERVO_EDGE_MQTT_WS_PORT. */
  env?: Readonly<Record<string, string | undefined>>;
  externalBroker?: ExternalBrokerOption;
  productsPerMin?: number;
  /** Serial device path per controller id, in place of the file's `sim://` paths. */
  controllerPaths?: Readonly<Record<string, string>>;
}

/** A config file's text and the environment that completes it (the keys it names by keyEnv). */
export interface DemoConfigSource {
  yamlText: string;
  env: Record<string, string | undefined>;
}

const DEMO_CONFIG = new URL('../../edge.demo.yaml', import.meta.url);

/** Fresh random keys; SERVO_EDGE_API_KEY, if set, is the admin key. */
export function demoKeys(env: Readonly<Record<string, string | undefined>> = {}): DemoKeys {
  const key = () => randomBytes(24).toString('base64url');
  return {
    admin: env.SERVO_EDGE_API_KEY ?? key(),
    operator: key(),
    viewer: key(),
    vision: key(),
    camera: key(),
  };
}

export async function demoConfigSource(
  options: DemoConfigOptions,
  keys: DemoKeys,
): Promise<DemoConfigSource> {
  // The result's shape is checked by the gateway's loader; here only known keys are patched.
  const doc = parseYaml(await readFile(DEMO_CONFIG, 'utf8')) as {
    line: { rates: { productsPerMin: number } };
    mqtt: unknown;
    motion: { controllers: { id: string; path: string }[] };
  };
  if (options.productsPerMin !== undefined) doc.line.rates.productsPerMin = options.productsPerMin;
  for (const controller of doc.motion.controllers) {
    const path = options.controllerPaths?.[controller.id];
    if (path !== undefined) controller.path = path;
  }
  if (options.externalBroker) {
    doc.mqtt = {
      external: {
        url: options.externalBroker.url,
        username: 'admin',
        passwordEnv: 'SERVO_EDGE_DEMO_ADMIN_KEY',
      },
    };
  }
  const env = {
    ...options.env,
    // The embedded broker's port overrides do not apply to an external one (the loader refuses them).
    ...(options.externalBroker
      ? { SERVO_EDGE_MQTT_PORT: undefined, SERVO_EDGE_MQTT_WS_PORT: undefined }
      : {}),
    SERVO_EDGE_API_KEY: undefined,
    SERVO_EDGE_DEMO_ADMIN_KEY: keys.admin,
    SERVO_EDGE_DEMO_OPERATOR_KEY: keys.operator,
    SERVO_EDGE_DEMO_VIEWER_KEY: keys.viewer,
    SERVO_EDGE_DEMO_VISION_KEY: keys.vision,
    SERVO_EDGE_DEMO_CAMERA_KEY: keys.camera,
  };
  return { yamlText: stringifyYaml(doc), env };
}

export async function loadDemoConfig(options: DemoConfigOptions, keys: DemoKeys): Promise<GatewayConfig> {
  const source = await demoConfigSource(options, keys);
  return parseConfigText(source.yamlText, { env: source.env });
}
