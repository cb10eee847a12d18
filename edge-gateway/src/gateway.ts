// The gateway: one process composing the MQTT broker (embedded or external), the motion API and its
// serial links, the MQTT bridge, the dashboard and, when the config has a `line`, the packaging line.
// create() does no I/O; start(); close().

import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import {
  CHECKED_STATIONS,
  type CheckedStation,
  parseCameraTrigger,
  parseStationCheck,
  topicTree,
} from '@servo-edge/common/mqtt';
import {
  buildApp,
  createMotionService,
  type MotionService,
  type SerialBinding,
} from '@servo-edge/motion-api';
import type { FastifyInstance } from 'fastify';
import { createMqttBridge, gatewayStatusWill, type MqttBridge } from './bridge/mqtt-bridge.js';
import type { BrokerConnection } from './broker/broker-connection.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.js';
import { createGatewayConnection } from './broker/gateway-connection.js';
import type { GatewayConfig, LineConfig } from './config/types.js';
import { createDashboard } from './dashboard/dashboard.js';
import { GatewayError } from './errors.js';
import { lineRoutes } from './http/line-routes.js';
import { guardMotionService } from './line/axis-ownership.js';
import { createLineController, type LineController } from './line/line-controller.js';
import { createMotionSources } from './line/motion-sources.js';
import { stationsFromConfig } from './line/stations/stations-from-config.js';
import { motionConfigFor } from './motion-config.js';
import { LineModel } from './packml/line-model.js';

export interface GatewayDeps {
  /** Binding for `sim://` controllers: the simulator's createSimulatorBinding(registry). */
  simulatorBinding?: SerialBinding;
  /**
   * The one clock of every part: monotonic for timers, durations and rates, epoch for the timestamps
   * that leave the process (REST, MQTT, the dashboard). Real time by default.
   */
  clock?: Clock;
  /** The one logger: the gateway's own events, the motion service's and fastify's request logs. Silent by default. */
  logger?: Logger;
}

/** Life cycle first (create() did no I/O), then where it listens, then its parts for tests and the demo. */
export interface Gateway {
  /** Brings everything up in dependency order. Rejects (after undoing what started) if a part fails. */
  start(): Promise<void>;
  /**
   * Shutdown order: controlled stop of the conveyor, `offline` on the status topic, close the bridge
   * and the MQTT connection, the HTTP server, the serial links, then the embedded broker. Idempotent.
   */
  close(): Promise<void>;
  /** http://host:port once started. */
  httpUrl(): string;
  /** mqtt://host:port of the embedded broker (or the external URL). */
  mqttUrl(): string;
  /** ws://host:port of the embedded broker, if there is one. */
  mqttWsUrl(): string | undefined;
  readonly config: GatewayConfig;
  readonly motion: MotionService;
  /** The config has a `line`: `line` and `lineController` exist. */
  readonly hasLine: boolean;
  /**
   * The PackML line. Throws GatewayError EDGE_LINE_NOT_CONFIGURED when the config has no `line` (see
   * `hasLine`), as its REST routes answer: a caller that needs a line fails at once, by code.
   */
  readonly line: LineModel;
  /** The line's conveyor and reject arm; throws EDGE_LINE_NOT_CONFIGURED as `line` does. */
  readonly lineController: LineController;
  readonly app: FastifyInstance;
}

/** The line's parts, made only when the config has a line. */
interface LineParts {
  config: LineConfig;
  model: LineModel;
  controller: LineController;
}

export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? silentLogger;
  const topics = topicTree(config.topicPrefix);
  const motion = createMotionService(motionConfigFor(config), {
    ...(deps.simulatorBinding ? { simulatorBinding: deps.simulatorBinding } : {}),
    clock,
    log: log.child({ component: 'motion' }),
  });
  const lineParts: LineParts | undefined =
    config.line === undefined ? undefined : createLineParts(config.line, motion, clock, log);
  // The operator's page at `/`; it reads the MQTT connection only once start() has made it.
  const dashboard = createDashboard({
    motion,
    ...(lineParts ? { line: lineParts.model } : {}),
    topicPrefix: config.topicPrefix,
    brokerKind: config.mqtt.mode,
    broker: () => connection,
    axisOwners: () => ownedAxes,
    clock,
    logger: log,
  });
  // REST clients get the motion service guarded by the line's unit mode; the line uses it unguarded.
  // Without a line nobody owns an axis: REST clients get the motion service as it is.
  const ownedAxes = new Map<string, string>(
    lineParts
      ? [
          [lineParts.config.axes.conveyor, 'conveyor'],
          [lineParts.config.axes.rejectArm, 'reject'],
          ...(lineParts.controller.stations?.axisOwners() ?? []),
        ]
      : [],
  );
  const restMotion = lineParts ? guardedByLine(motion, lineParts, ownedAxes) : motion;
  const app = buildApp({
    service: restMotion,
    clock,
    // Without a line the line routes still answer, with EDGE_LINE_NOT_CONFIGURED (line-routes.ts).
    apiPlugins: [{ plugin: lineRoutes, options: { model: lineParts?.model } }, dashboard.apiPlugin],
    logger: log,
  });
  app.register(dashboard.plugin);

  let broker: EmbeddedBroker | undefined;
  let connection: BrokerConnection | undefined;
  let bridge: MqttBridge | undefined;
  let unsubscribeTrigger: (() => Promise<void>) | undefined;
  let unsubscribeChecks: (() => Promise<void>) | undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  const visionInstancesOnline = new Set<string>();

  const onVisionStatus = (line: LineModel) => (instance: string, online: boolean) => {
    if (online) visionInstancesOnline.add(instance);
    else visionInstancesOnline.delete(instance);
    // The line needs one inspector, not all of them: suspend only when the last one goes.
    if (visionInstancesOnline.size > 0) line.visionOnline();
    else line.visionOffline();
  };
  const noLine = () => new GatewayError('EDGE_LINE_NOT_CONFIGURED', 'the config has no `line` section');

  const closeAll = async () => {
    // 1. Controlled stop: the belt decelerates; a running reject stroke finishes on the controller.
    if (lineParts) {
      if (motion.isReady()) await motion.stop(lineParts.config.axes.conveyor).catch(() => {});
      lineParts.controller.close();
    }
    await unsubscribeTrigger?.().catch(() => {});
    await unsubscribeChecks?.().catch(() => {});
    // 2. `offline` while the connection is still up, then the connection itself.
    await bridge?.close().catch(() => {});
    await connection?.close().catch(() => {});
    await app.close().catch(() => {});
    await motion.close().catch(() => {});
    await broker?.close().catch(() => {});
  };

  return {
    config,
    motion,
    hasLine: lineParts !== undefined,
    get line() {
      if (!lineParts) throw noLine();
      return lineParts.model;
    },
    get lineController() {
      if (!lineParts) throw noLine();
      return lineParts.controller;
    },
    app,
    async start() {
      if (started) return;
      started = true;
      try {
        if (config.mqtt.mode === 'embedded') {
          broker = createEmbeddedBroker({
            config: config.mqtt,
            auth: config.auth,
            topicPrefix: config.topicPrefix,
            logger: log,
          });
          await broker.start();
        }
        await motion.start();
        connection = createGatewayConnection({
          mqtt: config.mqtt,
          ...(broker ? { broker } : {}),
          will: gatewayStatusWill(topics),
          logger: log,
          clock,
        });
        await connection.start();
        lineParts?.controller.start();
        const sources = createMotionSources(motion, clock);
        // Without a line: axis and link state only; no line state topic, no line commands, no triggers.
        const line = lineParts?.model;
        bridge = createMqttBridge({
          connection,
          topics,
          axes: sources.axes,
          links: sources.links,
          ...(lineParts && line
            ? {
                line,
                onInspection: (verdict) => lineParts.controller.verdict(verdict),
                onLineCommand: (command) => {
                  try {
                    line.command(command);
                  } catch (error) {
                    log.warn({ command, code: (error as { code?: string }).code }, 'line.command.refused');
                  }
                },
                onVisionStatus: onVisionStatus(line),
              }
            : {}),
          publishIntervalMs: config.bridge.publishIntervalMs,
          maxInspectionBytes: config.bridge.maxInspectionBytes,
          logger: log,
          clock,
        });
        await bridge.start();
        if (lineParts) {
          const { controller } = lineParts;
          const triggerTopic = topics.cameraTrigger(lineParts.config.camera);
          unsubscribeTrigger = await connection.subscribe(
            triggerTopic,
            (_topic, payload) => {
              const trigger = parseCameraTrigger(payload);
              if (!trigger.ok) {
                log.warn({ reason: trigger.reason }, 'line.trigger.invalid');
                return;
              }
              controller.trigger(trigger.value.productId, trigger.value.conveyorPositionMm);
            },
            { qos: 1 },
          );
          // The stations' own checks (a check-weigher, a seal sensor), wired over MQTT as the camera is.
          unsubscribeChecks = await connection.subscribe(
            topics.stationChecks,
            (topic, payload) => {
              const station = topics.stationOf(topic);
              const check = parseStationCheck(payload);
              if (!check.ok || !CHECKED_STATIONS.includes(station as CheckedStation)) {
                log.warn(
                  { station, reason: check.ok ? 'not a station that checks' : check.reason },
                  'line.station-check.invalid',
                );
                return;
              }
              const { ok, conveyorPositionMm, reason } = check.value;
              controller.stationCheck(station as CheckedStation, conveyorPositionMm, ok, reason);
            },
            { qos: 1 },
          );
        }
        await app.listen({ host: config.http.host, port: config.http.port });
        log.info({ http: this.httpUrl(), mqtt: this.mqttUrl() }, 'gateway.started');
      } catch (error) {
        closing = closeAll();
        await closing;
        throw error;
      }
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
    httpUrl() {
      const address = app.server.address() as AddressInfo | null;
      if (!address) return `http://${config.http.host}:${config.http.port}`;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    },
    mqttUrl() {
      if (config.mqtt.mode === 'external') return config.mqtt.url;
      return broker ? broker.tcpUrl() : `mqtt://${config.mqtt.host}:${config.mqtt.portTcp}`;
    },
    mqttWsUrl() {
      return broker?.wsUrl();
    },
  };
}

/** The PackML model and the controller that runs the conveyor and the reject arm from it. */
function createLineParts(line: LineConfig, motion: MotionService, clock: Clock, log: Logger): LineParts {
  const model = new LineModel({
    line: line.name,
    clock,
    rateWindowMs: line.rates.rateWindowMs,
    oeeWindowMs: line.rates.oeeWindowMs,
    idealRatePerMin: line.rates.productsPerMin,
    recentInspectionsMax: line.recentInspectionsMax,
  });
  const controller = createLineController({
    clock,
    model,
    motion,
    log,
    conveyorAxis: line.axes.conveyor,
    rejectArmAxis: line.axes.rejectArm,
    conveyorVelocityMmPerS: (line.rates.productsPerMin * line.productSpacingMm) / 60,
    conveyorAccelerationMmPerS2: line.conveyorAccelerationMmPerS2,
    rejectArm: line.rejectArm,
    cameraToRejectMm: line.stations.rejectMm - line.stations.cameraMm,
    commandLatencyMs: line.commandLatencyMs,
    rejectWithoutVerdict: line.rejectWithoutVerdict,
    samplePeriodMs: line.samplePeriodMs,
    stationArmAheadMs: line.stationArmAheadMs,
    rejectTiming: line.rejectTiming,
    stations: stationsFromConfig(line),
    cameraMm: line.stations.cameraMm,
    productSpacingMm: line.productSpacingMm,
  });
  return { config: line, model, controller };
}

/** The motion service as REST clients get it: the line's axes follow its unit mode (axis-ownership.ts). */
function guardedByLine(
  motion: MotionService,
  line: LineParts,
  ownedAxes: ReadonlyMap<string, string>,
): MotionService {
  return guardMotionService(motion, {
    policy: {
      owners: ownedAxes,
      maintenanceAllows: line.config.modes.maintenanceAllows,
      reducedSpeedFraction: line.config.modes.reducedSpeedPercent / 100,
    },
    mode: () => line.model.mode,
  });
}
