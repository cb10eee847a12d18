// The gateway: one process composing the MQTT broker (embedded or external), the motion API and its
// serial links, the MQTT bridge and the packaging line. create() does no I/O; start(); close().

import type { AddressInfo } from 'node:net';
import type { TimerClock } from '@servo-edge/firmware-protocol';
import { systemClock } from '@servo-edge/firmware-protocol/node';
import {
  buildApp,
  createMotionService,
  type MotionConfig,
  type MotionService,
  parseMotionConfig,
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
import { parseCameraTrigger } from './line/camera-trigger.js';
import { createLineController, type LineController } from './line/line-controller.js';
import { createMotionSources } from './line/motion-sources.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import { LineModel } from './packml/line-model.js';
import { gatewayTopics } from './topics/topic-tree.js';

export interface GatewayDeps {
  /** Binding for `sim://` controllers: the simulator's createSimulatorBinding(registry). */
  simulatorBinding?: SerialBinding;
  /** Timers for the links and the line; real time by default. */
  clock?: TimerClock;
  logger?: Logger;
  /** pino options for the HTTP server, or false for none. */
  httpLogger?: false | Record<string, unknown>;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly motion: MotionService;
  readonly line: LineModel;
  readonly lineController: LineController;
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
  readonly app: FastifyInstance;
}

/** The motion API's config from the gateway's: its own sections plus the gateway's HTTP and keys. */
export function motionConfigFor(config: GatewayConfig): MotionConfig {
  return parseMotionConfig({
    ...config.motion,
    http: { host: config.http.host, port: config.http.port },
    auth: {
      disabled: config.auth.devModeNoAuth,
      // The motion API has no `service` role: machines that only publish frames may read, no more.
      keys: config.auth.keys.map((k) => ({
        id: k.name,
        key: k.key,
        role: k.role === 'service' ? 'viewer' : k.role,
      })),
      rateLimit: { maxRequests: config.http.rateLimitPerMin, windowMs: 60_000 },
    },
  });
}

export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? silentLogger;
  const topics = gatewayTopics(config.topicPrefix);
  const motion = createMotionService(motionConfigFor(config), {
    ...(deps.simulatorBinding ? { simulatorBinding: deps.simulatorBinding } : {}),
    clock,
    log: {
      info: (msg) => log.info('motion', { msg }),
      warn: (msg) => log.warn('motion', { msg }),
      error: (msg) => log.error('motion', { msg }),
    },
  });
  const line = new LineModel({
    line: config.line.name,
    clock,
    rateWindowMs: config.line.rates.rateWindowMs,
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
  const app = buildApp({
    service: motion,
    clock,
    apiPlugins: [{ plugin: lineRoutes, options: { model: line } }, dashboard.apiPlugin],
    ...(deps.httpLogger === undefined ? {} : { logger: deps.httpLogger }),
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
              log.warn('line.command.refused', { command, code: (error as { code?: string }).code });
            }
          },
          onVisionStatus,
          logger: log,
        });
        await bridge.start();
        const triggerTopic = `${config.topicPrefix}/camera/${config.line.camera}/trigger`;
        unsubscribeTrigger = await connection.subscribe(
          triggerTopic,
          (_topic, payload) => {
            const trigger = parseCameraTrigger(payload);
            if (!trigger.ok) {
              log.warn('line.trigger.invalid', { reason: trigger.reason });
              return;
            }
            lineController.trigger(trigger.value.productId, trigger.value.conveyorPositionMm);
          },
          { qos: 1 },
        );
        await app.listen({ host: config.http.host, port: config.http.port });
        log.info('gateway.started', { http: this.httpUrl(), mqtt: this.mqttUrl() });
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
