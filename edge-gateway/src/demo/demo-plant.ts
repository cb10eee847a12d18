// The demo's plant, everything that stands in for hardware and for the other services: the simulated
// controllers, the camera station, the virtual line and the vision service as its own process. The demo
// runs the gateway beside them in one process; the memory benchmark runs the real `servo-edge` binary
// apart from them, on pseudo-terminals.

import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Clock, elapsedMs, systemClock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import { type CheckedStation, type StationCheck, topicTree } from '@servo-edge/common/mqtt';
import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type {
  MaestroLink,
  SimulatedController,
  SimulatedControllerExtras,
  SimulatedLink,
  SimulatorRegistry,
} from '@servo-edge/simulator';
import {
  createVirtualLine,
  DEFAULT_LINE_CONFIG,
  labelFrameOf,
  STATION_DEFECTS,
  type StationGeometry,
  type VirtualLine,
} from '@servo-edge/simulator/line';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify as stringifyYaml } from 'yaml';
import type { LineConfig, LineGatewayConfig } from '../config/types.js';
import { type DemoKeys, MAESTRO_REJECT_ARM } from './demo-config.js';
import { SimulatedCamera } from './simulated-camera.js';

/**
 * HELLO's wd= of the demo's in-process controllers (§v2 Liveness; the host follows it). They share this
 * process's event loop with the host, so a stall here (fastify compiling its routes at start-up, a
 * loaded machine) silences both ends at once: with the 1000 ms default a 1.3 s stall lost both sessions
 * and latched a watchdog stop (issue #12 load tests). A real controller keeps its own time.
 */
const IN_PROCESS_WATCHDOG_MS = 3000;

/** What the demo's simulated controllers have beyond what its config says (startSimulatedControllers). */
export const DEMO_CONTROLLER_SETTINGS = {
  // The reject arm's home switch sits 20 degrees behind its power-on position. ctrl-a is sized for the
  // four stations on the belt's controller, as a 32-bit controller would be (PROTOCOL.md §v2 Sizing):
  // their triggered moves and steps armed 300 ms ahead owe about 11 events per product, 50 to 60 at
  // 600/min with the events not yet acknowledged, so an event buffer of 128 (HELLO ev=; with 64 the
  // host held moves back for room under load and they reached the controller LATE); queues 16 deep
  // (the sealer's two moves per product, three products ahead); and 32 frames in flight in a 2 KB
  // receive buffer. With every station running, 16 frames in flight capped what the link carried when
  // a loaded host answered slowly (a window's worth per round trip): in the line test under load the
  // queue held 17 products' cycles, which reached the controller LATE. With win=8 rx=256 a stalled
  // host's backlog made the device resend its events, which delayed the replies further.
  'ctrl-a': {
    perAxis: { 2: { homeSwitchCounts: -2000, homeDirection: -1 } },
    watchdogDefaultMs: IN_PROCESS_WATCHDOG_MS,
    eventWindow: 128,
    queueDepth: 16,
    windowFrames: 32,
    rxBytes: 2048,
  },
  'ctrl-b': { watchdogDefaultMs: IN_PROCESS_WATCHDOG_MS },
} as const satisfies Record<string, SimulatedControllerExtras>;

/**
 * The demo config's simulated controllers, created (not started) for a caller that serves them itself,
 * on ptys (the gateway soak): the same sizes and settings startSimulatedControllers gives the demo.
 */
export function createDemoControllers(registry: SimulatorRegistry): SimulatedController[] {
  return [
    // ctrl-a: conveyor, reject arm, filler, sealer, labeler, infeed; ctrl-b: the case packer.
    registry.create({ id: 'ctrl-a', axes: 6, baud: 460_800, ...DEMO_CONTROLLER_SETTINGS['ctrl-a'] }),
    registry.create({ id: 'ctrl-b', axes: 1, baud: 460_800, ...DEMO_CONTROLLER_SETTINGS['ctrl-b'] }),
  ];
}

/**
 * The Maestro reject arm's position for the virtual line, in the arm axis's counts from its zero: the
 * channel's pulse width (quarter-µs, Get Position) less the count at user zero. A channel that is off
 * (0, no pulses) reads far below any stroke.
 */
export function maestroRejectArmCounts(links: readonly SimulatedLink[]): () => number {
  const { controller, axis } = MAESTRO_REJECT_ARM;
  const link = links.find((l): l is MaestroLink => l.model === 'maestro' && l.path === controller.path);
  if (!link) throw new Error(`the demo's reject arm needs ${controller.path}`);
  return () => link.maestro.channel(axis.axis).positionQuarterUs - axis.countAtZero;
}

/** MQTT clients of the camera station: frames and triggers as `camera`, the recipe as `operator`. */
export interface CameraClients {
  camera?: MqttClient;
  operator?: MqttClient;
}

/** The camera station; call render() before anything time-critical starts in this process. */
export function createDemoCamera(
  config: LineGatewayConfig,
  seed: number,
  clients: CameraClients,
): SimulatedCamera {
  const topics = topicTree(config.topicPrefix);
  return new SimulatedCamera({
    publisher: {
      publish: async (topic, payload, publishOptions) => {
        const client = topic.endsWith('/recipe') ? clients.operator : clients.camera;
        if (!client) throw new Error('camera station not connected');
        await client.publishAsync(topic, payload, publishOptions);
      },
    },
    frameTopic: topics.cameraFrame(config.line.camera),
    triggerTopic: topics.cameraTrigger(config.line.camera),
    recipeTopic: topics.recipe,
    symbology: 'gs1-datamatrix',
    productIndex: 0,
    // A frame for every defect the line may give a product.
    defects: DEFAULT_LINE_CONFIG.defects,
    variantsPerClass: 3,
    seed,
    clock: systemClock,
  });
}

/** Why the demo's sensors fail a product (the codes a check-weigher and a seal sensor would send). */
const CHECK_FAILURES: Record<CheckedStation, string> = { filler: 'UNDERWEIGHT', sealer: 'NO_SEAL' };

/**
 * The stations' sensors (the filler's check-weigher, the sealer's seal sensor) wired as a plant's device
 * service wires them: each check of each product published on `<prefix>/stations/<station>/check` as
 * the `camera` service principal. The gateway reads them there, in its own process or another.
 */
export function publishStationChecks(
  config: LineGatewayConfig,
  clients: CameraClients,
  log: Logger,
): NonNullable<DemoLineOptions['onStationCheck']> {
  const topics = topicTree(config.topicPrefix);
  return (station, conveyorMm, ok) => {
    const check: StationCheck = {
      ok,
      conveyorPositionMm: conveyorMm,
      checkedAtMs: systemClock.epochMs(),
      ...(ok ? {} : { reason: CHECK_FAILURES[station] }),
    };
    const sent = clients.camera?.publishAsync(topics.stationCheck(station), JSON.stringify(check), {
      qos: 1,
    });
    if (!sent) log.error({ station, ok, conveyorMm }, 'demo.station-check.unsent');
    sent?.catch((error: Error) =>
      log.error({ station, ok, conveyorMm, err: error }, 'demo.station-check.unsent'),
    );
  };
}

export interface DemoLineOptions {
  config: LineGatewayConfig;
  /** The controller that drives the conveyor (axis 1) and the reject arm (axis 2). */
  controller: SimulatedController;
  camera: SimulatedCamera;
  defectRate: number;
  seed: number;
  log: Logger;
  /** The reject arm's position in its axis's counts from its zero, when another device drives it (a Maestro). */
  readRejectArmCounts?: () => number;
  /** Real time by default; a stepped clock in tests. */
  clock?: Clock;
  /**
   * The simulated controllers the station axes are on (matched to the config's axes by their path).
   * With them the infeed's indexes place the products, as the gateway's line expects them; without
   * them, belt travel does.
   */
  stationControllers?: readonly SimulatedController[];
  /**
   * Judge what the filler, sealer and labeler axes really do to each product (needs stationControllers).
   * Without it each station's check still runs on the plant faults drawn for the products.
   */
  simulateStationAxes?: boolean;
  /** A station's own check of a product (check-weigher, seal sensor): wire it to the gateway's line. */
  onStationCheck?(station: 'filler' | 'sealer', conveyorMm: number, ok: boolean): void;
}

/** Share of the demo's defects that are label defects; the rest split evenly over the station defects. */
const LABEL_DEFECT_SHARE = 0.4;

/** The virtual line on the simulated conveyor's encoder; the camera fires at the configured station. */
export function createDemoLine(options: DemoLineOptions): VirtualLine {
  const { config, controller, camera, log, stationControllers } = options;
  const { line } = config;
  const motion = config.motion as { axes: { name: string; countsPerUnit: number }[] };
  const countsPerUnit = (name: string) => motion.axes.find((a) => a.name === name)!.countsPerUnit;
  const conveyorCountsPerMm = countsPerUnit(line.axes.conveyor);
  const armCountsPerUnit = countsPerUnit(line.axes.rejectArm);
  const { rejectArm } = line;
  // Every station's check runs (plant faults drawn, caught by the check-weigher, the seal sensor and the
  // camera), and what the station axes really did is judged when their controller is given; only with
  // the checks wired to a line, as a plant fault nobody checks would pass as a good product.
  const stations =
    hasAllStations(line) && options.onStationCheck !== undefined
      ? demoStations(line, countsPerUnit, stationControllers !== undefined)
      : undefined;
  const timeline = !(options.readRejectArmCounts || options.clock);
  // Without an infeed in the config nothing indexes the products: the line places them itself.
  const simulatedAxis = (name: string): readonly [SimulatedController, number] => {
    const axis = config.motion.axes.find((a) => a.name === name)!;
    // By id: the soak serves the same controllers on ptys, whose paths are not the config's sim:// ones.
    const sim = stationControllers?.find((c) => c.id === axis.controller);
    if (!sim)
      throw new Error(`the demo's ${name} axis is not on a simulated controller (${axis.controller})`);
    return [sim, axis.axis];
  };
  const stationNames =
    stationControllers && line.infeed && line.axes.infeed
      ? ([
          'infeed',
          ...(options.simulateStationAxes ? (['labeler', 'filler', 'sealer'] as const) : []),
        ] as const)
      : [];
  const stationAxes = stationNames.map((name) => [name, ...simulatedAxis(line.axes[name]!)] as const);
  return createVirtualLine({
    clock: options.clock ?? systemClock,
    config: {
      productPitchMm: line.productSpacingMm,
      cameraPositionMm: line.stations.cameraMm,
      rejectPositionMm: line.stations.rejectMm,
      endPositionMm: line.stations.rejectMm + 300,
      conveyorCountsPerMm,
      // The arm pushes once it is 40 % of the way out.
      rejectArmOutCounts:
        (rejectArm.homePosition + 0.4 * (rejectArm.outPosition - rejectArm.homePosition)) * armCountsPerUnit,
      ...(stations
        ? {
            defectRate: LABEL_DEFECT_SHARE * options.defectRate,
            stationDefectRates: Object.fromEntries(
              STATION_DEFECTS.map((d) => [
                d,
                ((1 - LABEL_DEFECT_SHARE) * options.defectRate) / STATION_DEFECTS.length,
              ]),
            ),
            stations,
          }
        : { defectRate: options.defectRate }),
      seed: options.seed,
      // Where the line aims the stroke (LineController.arm): the belt travels this far while the arm
      // goes out, so each stroke's start error is reported against it (VirtualLine.strokes).
      strokeLeadMm:
        ((line.rates.productsPerMin * line.productSpacingMm) / 60) *
        trapezoidDurationS(
          rejectArm.outPosition - rejectArm.homePosition,
          rejectArm.velocityUnitsPerS,
          rejectArm.accelerationUnitsPerS2,
        ),
    },
    readConveyorCounts: () => controller.axis(1).positionCounts,
    readRejectArmCounts: options.readRejectArmCounts ?? (() => controller.axis(2).positionCounts),
    // Judged on the simulated controller's exact timeline (issue #12), so a stalled event loop here
    // cannot make a stroke the controller started on time look late. Not for a Maestro arm (its model
    // keeps no timeline), nor on a clock of the caller's (the timeline is on the controller's clock).
    ...(timeline
      ? {
          conveyorCountsAt: (atMs: number) => controller.positionAt(1, atMs),
          rejectArmCountsAt: (atMs: number) => controller.positionAt(2, atMs),
        }
      : {}),
    ...(stationControllers
      ? {
          readStationCounts: Object.fromEntries(
            stationAxes.map(([name, sim, axis]) => [name, () => sim.axis(axis).positionCounts]),
          ),
          ...(timeline
            ? {
                stationCountsAt: Object.fromEntries(
                  stationAxes.map(([name, sim, axis]) => [
                    name,
                    (atMs: number) => sim.positionAt(axis, atMs),
                  ]),
                ),
              }
            : {}),
        }
      : {}),
    onCapture: (product, conveyorCounts) => {
      // The camera sees the label: none where the labeler missed the product.
      camera
        .capture(product.id, labelFrameOf(product), conveyorCounts / conveyorCountsPerMm)
        .catch((error: unknown) => {
          log.error({ productId: product.id, err: error }, 'demo.camera.failed');
        });
    },
    onStationCheck: (_product, station, ok, conveyorCounts) =>
      options.onStationCheck?.(station, conveyorCounts / conveyorCountsPerMm, ok),
  });
}

function hasAllStations(line: LineConfig): boolean {
  const { axes } = line;
  return Boolean(
    line.infeed &&
      line.filler &&
      line.sealer &&
      line.labeler &&
      axes.infeed &&
      axes.filler &&
      axes.sealer &&
      axes.labeler,
  );
}

/**
 * What the virtual line needs of the stations, from the line config, in the axes' counts. A product
 * takes a station's work while its centre is within ±40 mm of it (less than half the demo's 100 mm
 * pitch, so a neighbour's dose never counts): a host-timed cycle up to about 25 ms late, which the line
 * still sends, meets its product; one the line dropped as later than that leaves a defect. With
 * `byInfeed`, products are placed by the infeed axis's indexes (its reader is given); else by belt travel.
 */
function demoStations(
  line: LineConfig,
  countsPerUnit: (axis: string) => number,
  byInfeed: boolean,
): StationGeometry {
  const axes = line.axes as Required<LineConfig['axes']>;
  const { infeed, filler, sealer, labeler } = line as Required<LineConfig>;
  return {
    ...(byInfeed ? { infeed: { indexCounts: infeed.indexUnits * countsPerUnit(axes.infeed) } } : {}),
    filler: {
      positionMm: filler.positionMm,
      doseCounts: filler.fillVolumeMl * filler.unitsPerMl * countsPerUnit(axes.filler),
      windowMm: 80,
    },
    sealer: {
      positionMm: sealer.positionMm,
      // Closed once the head is 95 % of the way down (the sealer strokes towards higher counts).
      closedCounts:
        (sealer.openPosition + 0.95 * (sealer.closedPosition - sealer.openPosition)) *
        countsPerUnit(axes.sealer),
      dwellMs: sealer.dwellMs,
      windowMm: 80,
    },
    labeler: {
      positionMm: labeler.positionMm,
      labelCounts: labeler.labelLengthMm * countsPerUnit(axes.labeler),
      windowMm: labeler.labelLengthMm + 40,
    },
  };
}

export interface VisionProcessOptions {
  config: LineGatewayConfig;
  mqttUrl: string;
  protocolVersion: 4 | 5;
  keys: DemoKeys;
  workers: number;
  /** Where its config file goes. */
  dir: string;
  output: 'inherit' | 'ignore';
}

export interface VisionProcess {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/** The vision service as its own process, as on a plant: `servo-vision --config <file>`. */
export async function startVisionProcess(options: VisionProcessOptions): Promise<VisionProcess> {
  const file = join(options.dir, 'vision.yaml');
  await writeFile(
    file,
    stringifyYaml({
      line: options.config.line.name,
      topicPrefix: options.config.topicPrefix,
      instance: 'vision-1',
      mqtt: { url: options.mqttUrl, protocolVersion: options.protocolVersion, username: 'vision' },
      inspection: { workers: options.workers },
    }),
  );
  const cli = createRequire(import.meta.url).resolve('@servo-edge/vision/cli');
  const child = spawn(process.execPath, [cli, '--config', file], {
    env: { ...process.env, SERVO_VISION_MQTT_PASSWORD: options.keys.vision },
    stdio: ['ignore', options.output, options.output],
  });
  return { child, stop: () => stopChild(child) };
}

/** SIGTERM, and SIGKILL if it is still there after graceMs. Resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function connectClient(
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
const SELF_TEST_TIMEOUT_MS = 30_000;

/**
 * Sends self-test frames through the real path (broker, vision, verdict back to the gateway) and waits
 * until `verdictsSeen()` has grown by their number, so the first product on the belt meets a warm
 * inspector. Run it before the line starts: the line then takes the verdicts, for products it never
 * tracked, as test frames and does not warn about them (LineController.verdict).
 */
export async function visionSelfTest(
  camera: Pick<SimulatedCamera, 'publishFrame'>,
  verdictsSeen: () => number,
  clock: Pick<Clock, 'monotonicMs' | 'after'> = systemClock,
): Promise<void> {
  const before = verdictsSeen();
  for (let i = 0; i < SELF_TEST_FRAMES; i++) {
    await camera.publishFrame(`SELFTEST-${i}`, i % 2 === 0 ? 'none' : 'torn');
  }
  const startedAtMs = clock.monotonicMs();
  while (verdictsSeen() - before < SELF_TEST_FRAMES) {
    if (elapsedMs(startedAtMs, clock.monotonicMs()) > SELF_TEST_TIMEOUT_MS)
      throw new Error('vision self-test: verdicts did not come back within 30 s');
    await new Promise<void>((resolve) => clock.after(50, resolve));
  }
}
