// The demo's gateway config: edge.demo.yaml with fresh keys (from the environment, never in the file),
// the requested rate, and optionally an external broker or real serial paths for the controllers.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfigText } from '../config/load.js';
import type { LineGatewayConfig } from '../config/types.js';
import { withLine } from '../config/with-line.js';

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
  /** What drives the reject arm: ctrl-a's axis 2 (servo-edge, the default) or a Maestro (MAESTRO_REJECT_ARM). */
  rejectArmDriver?: RejectArmDriver;
  /** line.rejectTiming in place of the file's (the bench sets host timing beside position triggering). */
  rejectTiming?: 'auto' | 'position' | 'host';
}

export const REJECT_ARM_DRIVERS = ['servo-edge', 'maestro'] as const;
export type RejectArmDriver = (typeof REJECT_ARM_DRIVERS)[number];

/**
 * The reject arm as a hobby servo on channel 0 of a simulated Pololu Maestro (issue #13). Its stroke and
 * rates are what a Maestro can run: Set Acceleration tops out at 255 units of (0.25 µs)/(10 ms)/(80 ms)
 * (User's Guide §5.e), 318750 quarter-µs/s², i.e. 14343 deg/s² at 2000 quarter-µs per 90 deg. A 12 deg
 * stroke at 14000 deg/s² takes 59 ms each way, so out, back and out again fit between two products
 * 100 ms apart at 600/min (the driver queues moves on the host and learns their end by polling at 200 Hz).
 */
export const MAESTRO_REJECT_ARM = {
  controller: {
    id: 'arm',
    driver: 'maestro',
    path: 'sim://maestro/arm',
    maestro: { channels: 6 },
    streamHz: 200,
  },
  axis: {
    name: 'reject-arm',
    controller: 'arm',
    axis: 0,
    unit: 'deg',
    countsPerUnit: 2000 / 90,
    countAtZero: 6000,
    minUnits: -5,
    maxUnits: 20,
    maxVelocityUnitsPerS: 1000,
    maxAccelerationUnitsPerS2: 14_000,
    defaultVelocityUnitsPerS: 1000,
    defaultAccelerationUnitsPerS2: 14_000,
    homingRequired: false,
    softwareStop: 'hold',
  },
  stroke: { homePosition: 0, outPosition: 12, velocityUnitsPerS: 1000, accelerationUnitsPerS2: 14_000 },
} as const;

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
    line: {
      rates: { productsPerMin: number };
      rejectArm: unknown;
      axes: { rejectArm: string };
      rejectTiming?: string;
    };
    mqtt: unknown;
    motion: { controllers: { id: string; path: string }[]; axes: { name: string }[] };
  };
  if (options.rejectArmDriver === 'maestro') {
    const arm = MAESTRO_REJECT_ARM;
    doc.motion.controllers.push({ ...arm.controller });
    doc.motion.axes = doc.motion.axes.map((axis) =>
      axis.name === doc.line.axes.rejectArm ? { ...arm.axis, name: axis.name } : axis,
    );
    doc.line.rejectArm = { ...arm.stroke };
  }
  if (options.productsPerMin !== undefined) doc.line.rates.productsPerMin = options.productsPerMin;
  if (options.rejectTiming !== undefined) doc.line.rejectTiming = options.rejectTiming;
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

export async function loadDemoConfig(options: DemoConfigOptions, keys: DemoKeys): Promise<LineGatewayConfig> {
  const source = await demoConfigSource(options, keys);
  // edge.demo.yaml has its line; a demo without one would be a broken file, refused by code.
  return withLine(parseConfigText(source.yamlText, { env: source.env }));
}
