// The whole packaging line on one machine: simulated controllers, the gateway (embedded broker or an
// external one), the vision service as its own process, the camera station and the virtual line.
// `npm start` runs it; the end-to-end tests and the benchmark start it with port 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@servo-edge/firmware-protocol/node';
import { createSimulatorBinding, type SimulatedController, SimulatorRegistry } from '@servo-edge/simulator';
import { createVirtualLine, type VirtualLine } from '@servo-edge/simulator/line';
import mqtt, { type MqttClient } from 'mqtt';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseConfigText } from '../config/load.js';
import type { GatewayConfig } from '../config/types.js';
import { createGateway, type Gateway } from '../gateway.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { PackMLState } from '../packml/states.js';
import { SimulatedCamera } from './simulated-camera.js';

export interface ExternalBrokerOption {
  url: string;
  /** MQTT 5 broker (Mosquitto): the vision service speaks 5 to it. */
  protocolVersion: 4 | 5;
  /** The broker must know these users (name = API key name, password = key): see `demoKeys`. */
  keys: DemoKeys;
}

export interface DemoOptions {
  /** Environment for overrides: SERVO_EDGE_API_KEY, SERVO_EDGE_PORT, SERVO_EDGE_MQTT_PORT, SERVO_EDGE_MQTT_WS_PORT. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Use this broker instead of the embedded one. */
  externalBroker?: ExternalBrokerOption;
  productsPerMin?: number;
  defectRate?: number;
  seed?: number;
  /** Vision worker threads; default min(2, cores). */
  visionWorkers?: number;
  /** Start the line (Reset, Start) once everything is up. Default true. */
  autoStart?: boolean;
  logger?: Logger;
  /** Where the vision service's stdout/stderr go; default: discarded. */
  visionOutput?: 'inherit' | 'ignore';
}

export interface DemoKeys {
  admin: string;
  operator: string;
  viewer: string;
  vision: string;
  camera: string;
}

export interface DemoStack {
  gateway: Gateway;
  config: GatewayConfig;
  keys: DemoKeys;
  controllers: SimulatedController[];
  virtualLine: VirtualLine;
  vision: ChildProcess;
  /** Resolves once the line reaches `state` (or rejects after timeoutMs). */
  waitForLineState(state: PackMLState, timeoutMs: number): Promise<void>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
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

async function loadDemoConfig(options: DemoOptions, keys: DemoKeys): Promise<GatewayConfig> {
  // The file's shape is checked by parseConfigText below; here only two known keys are patched.
  const doc = parseYaml(await readFile(DEMO_CONFIG, 'utf8')) as {
    line: { rates: { productsPerMin: number } };
    mqtt: unknown;
  };
  if (options.productsPerMin !== undefined) doc.line.rates.productsPerMin = options.productsPerMin;
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
  return parseConfigText(stringifyYaml(doc), { env });
}

/** The simulated controllers the demo config names, with axes that match its motion section. */
function createControllers(registry: SimulatorRegistry): SimulatedController[] {
  return [
    registry.create({
      id: 'ctrl-a',
      axes: 2,
      baud: 460_800,
      // The reject arm's home switch sits 20 degrees behind its power-on position.
      perAxis: { 2: { homeSwitchCounts: -2000, homeDirection: -1 } },
    }),
    registry.create({ id: 'ctrl-b', axes: 2, baud: 115_200 }),
  ];
}

function visionCliPath(): string {
  return createRequire(import.meta.url).resolve('@servo-edge/vision/cli');
}

async function startVision(
  config: GatewayConfig,
  url: string,
  protocolVersion: 4 | 5,
  keys: DemoKeys,
  workers: number,
  dir: string,
  output: 'inherit' | 'ignore',
): Promise<ChildProcess> {
  const file = join(dir, 'vision.yaml');
  await writeFile(
    file,
    stringifyYaml({
      line: config.line.name,
      topicPrefix: config.topicPrefix,
      instance: 'vision-1',
      mqtt: { url, protocolVersion, username: 'vision' },
      inspection: { workers },
    }),
  );
  return spawn(process.execPath, [visionCliPath(), '--config', file], {
    env: { ...process.env, SERVO_VISION_MQTT_PASSWORD: keys.vision },
    stdio: ['ignore', output, output],
  });
}

async function connectClient(
  url: string,
  username: string,
  password: string,
  protocolVersion: 4 | 5,
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    username,
    password,
    protocolVersion,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
}

/** Frames judged before production starts: the first inspections pay for JIT and would be late. */
const SELF_TEST_FRAMES = 12;

/**
 * Sends self-test frames through the real path (broker, vision, verdict back to the gateway) and waits
 * for their verdicts, so the first product on the belt meets a warm inspector.
 */
async function visionSelfTest(gateway: Gateway, camera: SimulatedCamera): Promise<void> {
  const stats = gateway.lineController.tracker.stats;
  const before = stats.unknownVerdicts;
  for (let i = 0; i < SELF_TEST_FRAMES; i++) {
    await camera.publishFrame(`SELFTEST-${i}`, i % 2 === 0 ? 'none' : 'torn');
  }
  const deadline = Date.now() + 30_000;
  while (stats.unknownVerdicts - before < SELF_TEST_FRAMES) {
    if (Date.now() > deadline) throw new Error('vision self-test: verdicts did not come back within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startDemo(options: DemoOptions = {}): Promise<DemoStack> {
  const log = options.logger ?? silentLogger;
  const keys = options.externalBroker?.keys ?? demoKeys(options.env);
  const config = await loadDemoConfig(options, keys);
  const protocolVersion = options.externalBroker?.protocolVersion ?? 4;
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-demo-'));
  const registry = new SimulatorRegistry();
  const controllers = createControllers(registry);
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // Reverse order of start; each step bounded and independent of the others' failures.
    stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    })();
    return stopping;
  };

  const clients: { camera?: MqttClient; operator?: MqttClient } = {};
  try {
    // 1. Render the label frames first: it is CPU-bound and would starve the serial links' heartbeats.
    const prefix = config.topicPrefix;
    const camera = new SimulatedCamera({
      publisher: {
        publish: async (topic, payload, publishOptions) => {
          const client = topic.endsWith('/recipe') ? clients.operator : clients.camera;
          if (!client) throw new Error('camera station not connected');
          await client.publishAsync(topic, payload, publishOptions);
        },
      },
      frameTopic: `${prefix}/camera/${config.line.camera}/frame`,
      triggerTopic: `${prefix}/camera/${config.line.camera}/trigger`,
      recipeTopic: `${prefix}/recipe`,
      symbology: 'gs1-datamatrix',
      productIndex: 0,
      defects: [
        'missing',
        'wrong-gtin',
        'wrong-lot',
        'expired',
        'low-contrast',
        'smudged',
        'rotated',
        'shifted',
        'torn',
      ],
      variantsPerClass: 3,
      seed: options.seed ?? 1,
      nowMs: () => Date.now(),
    });
    await camera.render();
    for (const controller of controllers) {
      await controller.start();
      cleanups.push(() => controller.close());
    }
    const gateway = createGateway(config, {
      simulatorBinding: createSimulatorBinding(registry),
      logger: log,
      httpLogger: false,
    });
    cleanups.push(() => gateway.close());
    await gateway.start();
    if (!(await gateway.motion.whenReady(15_000))) throw new Error('simulated controllers did not come up');

    const waitForLineState = (state: PackMLState, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        if (gateway.line.state === state) return resolve();
        const timer = setTimeout(() => {
          off();
          reject(
            new Error(`line did not reach ${state} within ${timeoutMs} ms (it is ${gateway.line.state})`),
          );
        }, timeoutMs);
        const off = gateway.line.onTransition((t) => {
          if (t.to !== state) return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });
    const visionOnline = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('vision did not come online within 30 s')), 30_000);
      const check = () => {
        if (!gateway.line.snapshot().visionOnline) return;
        clearTimeout(timer);
        off();
        resolve();
      };
      const off = gateway.line.onChange(check);
      check();
    });

    const vision = await startVision(
      config,
      gateway.mqttUrl(),
      protocolVersion,
      keys,
      options.visionWorkers ?? Math.min(2, availableParallelism()),
      dir,
      options.visionOutput ?? 'ignore',
    );
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if (vision.exitCode !== null) return resolve();
          const kill = setTimeout(() => vision.kill('SIGKILL'), 5000);
          vision.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          vision.kill('SIGTERM');
        }),
    );
    await visionOnline;

    // The camera station publishes frames and triggers as `camera`; the recipe is the operator's.
    clients.camera = await connectClient(gateway.mqttUrl(), 'camera', keys.camera, protocolVersion);
    cleanups.push(() => clients.camera!.endAsync());
    clients.operator = await connectClient(gateway.mqttUrl(), 'operator', keys.operator, protocolVersion);
    cleanups.push(() => clients.operator!.endAsync());
    await camera.publishRecipe();
    await visionSelfTest(gateway, camera);

    const [ctrlA] = controllers;
    const conveyor = config.motion as { axes: { name: string; countsPerUnit: number }[] };
    const countsPerUnit = (name: string) => conveyor.axes.find((a) => a.name === name)!.countsPerUnit;
    const conveyorCountsPerMm = countsPerUnit(config.line.axes.conveyor);
    const armCountsPerUnit = countsPerUnit(config.line.axes.rejectArm);
    const { rejectArm } = config.line;
    const virtualLine = createVirtualLine({
      clock: systemClock,
      config: {
        productPitchMm: config.line.productSpacingMm,
        cameraPositionMm: config.line.stations.cameraMm,
        rejectPositionMm: config.line.stations.rejectMm,
        endPositionMm: config.line.stations.rejectMm + 300,
        conveyorCountsPerMm,
        // The arm pushes once it is 40 % of the way out.
        rejectArmOutCounts:
          (rejectArm.homePosition + 0.4 * (rejectArm.outPosition - rejectArm.homePosition)) *
          armCountsPerUnit,
        defectRate: options.defectRate ?? 0.05,
        seed: options.seed ?? 1,
      },
      readConveyorCounts: () => ctrlA!.axis(1).positionCounts,
      readRejectArmCounts: () => ctrlA!.axis(2).positionCounts,
      onCapture: (product, conveyorCounts) => {
        camera
          .capture(product.id, product.defect, conveyorCounts / conveyorCountsPerMm)
          .catch((error: unknown) => {
            log.error('demo.camera.failed', { productId: product.id, message: String(error) });
          });
      },
    });
    virtualLine.start();
    cleanups.push(async () => virtualLine.close());

    if (options.autoStart ?? true) {
      gateway.line.command('Reset');
      await waitForLineState('Idle', 30_000);
      gateway.line.command('Start');
      await waitForLineState('Execute', 10_000);
    }
    return { gateway, config, keys, controllers, virtualLine, vision, waitForLineState, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
