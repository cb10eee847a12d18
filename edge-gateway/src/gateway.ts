// The gateway: one process composing the MQTT broker (embedded or external), the motion API and its
// serial links, the MQTT bridge and the packaging line. create() does no I/O; start(); close().

import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import { parseCameraTrigger, topicTree } from '@servo-edge/common/mqtt';
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
import type { GatewayConfig } from './config/types.js';
import { createDashboard } from './dashboard/dashboard.js';
import { lineRoutes } from './http/line-routes.js';
import { guardMotionService } from './line/axis-ownership.js';
import { createLineController, type LineController } from './line/line-controller.js';
import { createMotionSources } from './line/motion-sources.js';
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
  readonly line: LineModel;
  readonly lineController: LineController;
  readonly app: FastifyInstance;
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
  const line = new LineModel({
    line: config.line.name,
    clock,
    rateWindowMs: config.line.rates.rateWindowMs,
    oeeWindowMs: config.line.rates.oeeWindowMs,
    idealRatePerMin: config.line.rates.productsPerMin,
    recentInspectionsMax: config.line.recentInspectionsMax,
  });
  const lineController = createLineController({
    clock,
    model: line,
    motion,
    log,
    conveyorAxis: config.line.axes.conveyor,
    rejectArmAxis: config.line.axes.rejectArm,
    conveyorVelocityMmPerS: (config.line.rates.productsPerMin * config.line.productSpacingMm) / 60,
    conveyorAccelerationMmPerS2: config.line.conveyorAccelerationMmPerS2,
    rejectArm: config.line.rejectArm,
    cameraToRejectMm: config.line.stations.rejectMm - config.line.stations.cameraMm,
    commandLatencyMs: config.line.commandLatencyMs,
    rejectWithoutVerdict: config.line.rejectWithoutVerdict,
    samplePeriodMs: config.line.samplePeriodMs,
    rejectTiming: config.line.rejectTiming,
  });
  // The operator's page at `/`; it reads the MQTT connection only once start() has made it.
  const dashboard = createDashboard({
    motion,
    line,
    topicPrefix: config.topicPrefix,
    brokerKind: config.mqtt.mode,
    broker: () => connection,
    clock,
    logger: log,
  });
  // REST clients get the motion service guarded by the line's unit mode; the line uses it unguarded.
  const ownedAxes = new Map<string, string>([
    [config.line.axes.conveyor, 'conveyor'],
    [config.line.axes.rejectArm, 'reject'],
  ]);
  const guardedMotion = guardMotionService(motion, {
    policy: {
      owners: ownedAxes,
      maintenanceAllows: config.line.modes.maintenanceAllows,
      reducedSpeedFraction: config.line.modes.reducedSpeedPercent / 100,
    },
    mode: () => line.mode,
  });
  const app = buildApp({
    service: guardedMotion,
    clock,
    apiPlugins: [{ plugin: lineRoutes, options: { model: line } }, dashboard.apiPlugin],
    logger: log,
  });
  app.register(dashboard.plugin);

  let broker: EmbeddedBroker | undefined;
  let connection: BrokerConnection | undefined;
  let bridge: MqttBridge | undefined;
  let unsubscribeTrigger: (() => Promise<void>) | undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  const visionInstancesOnline = new Set<string>();

  const onVisionStatus = (instance: string, online: boolean) => {
    if (online) visionInstancesOnline.add(instance);
    else visionInstancesOnline.delete(instance);
    // The line needs one inspector, not all of them: suspend only when the last one goes.
    if (visionInstancesOnline.size > 0) line.visionOnline();
    else line.visionOffline();
  };

  const closeAll = async () => {
    // 1. Controlled stop: the belt decelerates; a running reject stroke finishes on the controller.
    if (motion.isReady()) await motion.stop(config.line.axes.conveyor).catch(() => {});
    lineController.close();
    await unsubscribeTrigger?.().catch(() => {});
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
    line,
    lineController,
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
        lineController.start();
        const sources = createMotionSources(motion, clock);
        bridge = createMqttBridge({
          connection,
          topics,
          axes: sources.axes,
          links: sources.links,
          line,
          publishIntervalMs: config.bridge.publishIntervalMs,
          maxInspectionBytes: config.bridge.maxInspectionBytes,
          onInspection: (verdict) => lineController.verdict(verdict),
          onLineCommand: (command) => {
            try {
              line.command(command);
            } catch (error) {
              log.warn({ command, code: (error as { code?: string }).code }, 'line.command.refused');
            }
          },
          onVisionStatus,
          logger: log,
          clock,
        });
        await bridge.start();
        const triggerTopic = topics.cameraTrigger(config.line.camera);
        unsubscribeTrigger = await connection.subscribe(
          triggerTopic,
          (_topic, payload) => {
            const trigger = parseCameraTrigger(payload);
            if (!trigger.ok) {
              log.warn({ reason: trigger.reason }, 'line.trigger.invalid');
              return;
            }
            lineController.trigger(trigger.value.productId, trigger.value.conveyorPositionMm);
          },
          { qos: 1 },
        );
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
