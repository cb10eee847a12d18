// The whole packaging line on one machine: simulated controllers, the gateway (embedded broker or an
// external one), the vision service as its own process, the camera station and the virtual line.
// `npm start` runs it; the end-to-end tests and the benchmark start it with port 0.

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import { type SimulatedController, startSimulatedControllers } from '@servo-edge/simulator';
import type { VirtualLine } from '@servo-edge/simulator/line';
import type { LineGatewayConfig } from '../config/types.js';
import { createGateway, type Gateway } from '../gateway.js';
import type { PackMLState } from '../packml/states.js';
import {
  type DemoKeys,
  demoKeys,
  type ExternalBrokerOption,
  loadDemoConfig,
  REJECT_ARM_DRIVERS,
  type RejectArmDriver,
} from './demo-config.js';
import {
  type CameraClients,
  connectClient,
  createDemoCamera,
  createDemoLine,
  DEMO_CONTROLLER_SETTINGS,
  maestroRejectArmCounts,
  publishStationChecks,
  startVisionProcess,
  visionSelfTest,
} from './demo-plant.js';

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
  /** What drives the reject arm; default SERVO_EDGE_DEMO_REJECT_ARM from `env`, else servo-edge. */
  rejectArmDriver?: RejectArmDriver;
  /** How the line times the reject stroke (line.rejectTiming); default the config file's. */
  rejectTiming?: 'auto' | 'position' | 'host';
}

export interface DemoStack {
  gateway: Gateway;
  config: LineGatewayConfig;
  keys: DemoKeys;
  controllers: SimulatedController[];
  virtualLine: VirtualLine;
  vision: ChildProcess;
  /** Resolves once the line reaches `state` (or rejects after timeoutMs). */
  waitForLineState(state: PackMLState, timeoutMs: number): Promise<void>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<DemoStack> {
  const log = options.logger ?? silentLogger;
  const keys = options.externalBroker?.keys ?? demoKeys(options.env);
  const rejectArmDriver = options.rejectArmDriver ?? rejectArmDriverFromEnv(options.env);
  const config = await loadDemoConfig(
    {
      ...(options.env ? { env: options.env } : {}),
      rejectArmDriver,
      ...(options.externalBroker ? { externalBroker: options.externalBroker } : {}),
      ...(options.productsPerMin === undefined ? {} : { productsPerMin: options.productsPerMin }),
      ...(options.rejectTiming === undefined ? {} : { rejectTiming: options.rejectTiming }),
    },
    keys,
  );
  const protocolVersion = options.externalBroker?.protocolVersion ?? 4;
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-demo-'));
  const controllers: SimulatedController[] = [];
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // Reverse order of start; each step bounded and independent of the others' failures.
    stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    })();
    return stopping;
  };

  const clients: CameraClients = {};
  try {
    // 1. Render the label frames first: it is CPU-bound and would starve the serial links' heartbeats.
    const camera = createDemoCamera(config, options.seed ?? 1, clients);
    await camera.render();
    // 2. The config's sim:// controllers, sized to the axes it uses on them.
    const sims = await startSimulatedControllers(config.motion, {
      // ctrl-a's axis 2 (the servo-edge arm and its home switch) exists only when it drives the arm.
      perController: rejectArmDriver === 'maestro' ? {} : DEMO_CONTROLLER_SETTINGS,
    });
    cleanups.push(() => sims.close());
    controllers.push(...sims.controllers);
    const gateway = createGateway(config, {
      simulatorBinding: sims.binding,
      logger: log,
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

    const vision = await startVisionProcess({
      config,
      mqttUrl: gateway.mqttUrl(),
      protocolVersion,
      keys,
      workers: options.visionWorkers ?? Math.min(2, availableParallelism()),
      dir,
      output: options.visionOutput ?? 'ignore',
    });
    cleanups.push(vision.stop);
    await visionOnline;

    // The camera station publishes frames and triggers as `camera`; the recipe is the operator's.
    clients.camera = await connectClient(gateway.mqttUrl(), 'camera', keys.camera, protocolVersion);
    cleanups.push(() => clients.camera!.endAsync());
    clients.operator = await connectClient(gateway.mqttUrl(), 'operator', keys.operator, protocolVersion);
    cleanups.push(() => clients.operator!.endAsync());
    await camera.publishRecipe();
    const trackerStats = gateway.lineController.tracker.stats;
    // The gateway tracks no self-test product, so their verdicts count as unknown.
    await visionSelfTest(camera, () => trackerStats.unknownVerdicts);

    const virtualLine = createDemoLine({
      config,
      controller: controllers.find((c) => c.id === 'ctrl-a')!,
      camera,
      defectRate: options.defectRate ?? 0.05,
      seed: options.seed ?? 1,
      log,
      ...(rejectArmDriver === 'maestro' ? { readRejectArmCounts: maestroRejectArmCounts(sims.links) } : {}),
      // The infeed's indexes place the products, and what every station's axis does to each product is
      // judged from its motion (a dose, a seal or a label the gateway's timing made miss is a defect, as on
      // a plant). The filler's check-weigher and the sealer's seal sensor report over MQTT, as a plant's
      // device service would.
      stationControllers: controllers,
      simulateStationAxes: true,
      onStationCheck: publishStationChecks(config, clients, log),
    });
    virtualLine.start();
    cleanups.push(async () => virtualLine.close());

    if (options.autoStart ?? true) {
      gateway.line.command('Reset');
      await waitForLineState('Idle', 30_000);
      gateway.line.command('Start');
      await waitForLineState('Execute', 10_000);
    }
    return { gateway, config, keys, controllers, virtualLine, vision: vision.child, waitForLineState, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** SERVO_EDGE_DEMO_REJECT_ARM=maestro puts the reject arm on a simulated Maestro (`npm start` takes no flags). */
function rejectArmDriverFromEnv(env: Readonly<Record<string, string | undefined>> = {}): RejectArmDriver {
  const value = env.SERVO_EDGE_DEMO_REJECT_ARM;
  if (value === undefined || value === '') return 'servo-edge';
  if (!(REJECT_ARM_DRIVERS as readonly string[]).includes(value))
    throw new Error(
      `SERVO_EDGE_DEMO_REJECT_ARM must be one of ${REJECT_ARM_DRIVERS.join(', ')}, not ${value}`,
    );
  return value as RejectArmDriver;
}
