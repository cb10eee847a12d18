// Publishes axis, link and line state (retained, rate-limited) and the gateway status; takes in verdicts and commands.

import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import {
  type TopicTree as GatewayTopics,
  type VerdictMessage as InspectionVerdict,
  parseVerdictMessage,
  STATUS_OFFLINE,
  STATUS_ONLINE,
} from '@servo-edge/common/mqtt';
import type { BrokerConnection, LastWill } from '../broker/broker-connection.js';
import { isGatewayError } from '../errors.js';
import { isPackMLCommand, type PackMLCommand } from '../packml/states.js';
import { KeyedThrottle } from './keyed-throttle.js';
import type { AxisStateSource, LineStateSource, LinkStateSource } from './state-sources.js';

export interface MqttBridgeOptions {
  connection: BrokerConnection;
  topics: GatewayTopics;
  axes?: AxisStateSource;
  links?: LinkStateSource;
  line?: LineStateSource;
  /** At most one message per axis (and per link, and for counter-only line changes) per interval. */
  publishIntervalMs: number;
  /** Larger verdict messages are dropped unread. */
  maxInspectionBytes: number;
  /** A valid verdict from `<prefix>/inspection`. */
  onInspection?: (verdict: InspectionVerdict) => void;
  /** A valid `{ "command": "<PackML command>" }` from `<prefix>/line/command` (operators and admin only, per the ACL). */
  onLineCommand?: (command: PackMLCommand) => void;
  /** A vision instance's retained status from `<prefix>/vision/<instance>/status`. */
  onVisionStatus?: (instance: string, online: boolean) => void;
  /** Bound on publishing `offline` at close. Default 1000. */
  closeTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface BridgeStats {
  published: number;
  /** Publishes skipped or failed while the connection was down; state is republished on reconnect. */
  dropped: number;
  inspectionsAccepted: number;
  inspectionsRejected: number;
  commandsRejected: number;
}

export interface MqttBridge {
  /** Subscribes, publishes `online` and every current snapshot, then follows the sources. */
  start(): Promise<void>;
  /** Stops following, publishes `offline` (bounded), unsubscribes. Idempotent. Leaves the connection open. */
  close(): Promise<void>;
  stats(): BridgeStats;
}

/** The Last Will to give the gateway's BrokerConnection, so a crash reads `offline` too [MQTT-3.1.2-8]. */
export function gatewayStatusWill(topics: GatewayTopics): LastWill {
  return { topic: topics.gatewayStatus, payload: STATUS_OFFLINE, qos: 1, retain: true };
}

interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1;
}

/** Constructs without I/O. */
export function createMqttBridge(options: MqttBridgeOptions): MqttBridge {
  const { connection, topics } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const stats: BridgeStats = {
    published: 0,
    dropped: 0,
    inspectionsAccepted: 0,
    inspectionsRejected: 0,
    commandsRejected: 0,
  };
  /** Last payload per topic: identical retained values are not sent again (until a reconnect). */
  const lastPayload = new Map<string, string>();
  /** Last `state` field per key, so a state change skips the throttle. */
  const lastState = new Map<string, string>();
  const detach: (() => unknown)[] = [];
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const send = (message: Outgoing, force = false) => {
    if (closing) return;
    if (!force && lastPayload.get(message.topic) === message.payload) return;
    if (!connection.connected) {
      stats.dropped++;
      return;
    }
    lastPayload.set(message.topic, message.payload);
    connection.publish(message.topic, message.payload, { qos: message.qos, retain: true }).then(
      () => {
        stats.published++;
      },
      (error: unknown) => {
        stats.dropped++;
        lastPayload.delete(message.topic);
        logger.debug({ topic: message.topic, err: error }, 'bridge.publish.failed');
      },
    );
  };
  const throttle = new KeyedThrottle<Outgoing>(options.publishIntervalMs, clock, (_key, message) =>
    send(message),
  );
  /** Urgent when the snapshot's `state` field changed: a transition is never held back. */
  const push = (key: string, message: Outgoing, state: string) => {
    const urgent = lastState.get(key) !== state;
    lastState.set(key, state);
    throttle.push(key, message, urgent);
  };

  const axisMessage = (snapshot: { axis: string }): Outgoing => ({
    topic: topics.axisState(snapshot.axis),
    payload: JSON.stringify(snapshot),
    qos: 0,
  });
  const linkMessage = (snapshot: { controller: string }): Outgoing => ({
    topic: topics.linkState(snapshot.controller),
    payload: JSON.stringify(snapshot),
    qos: 1,
  });
  const lineMessage = (snapshot: object): Outgoing => ({
    topic: topics.lineState,
    payload: JSON.stringify(snapshot),
    qos: 1,
  });

  /** Everything, now, bypassing the throttle and the duplicate filter: after a (re)connect. */
  const publishAll = () => {
    send({ topic: topics.gatewayStatus, payload: STATUS_ONLINE, qos: 1 }, true);
    for (const snapshot of options.axes?.current() ?? []) send(axisMessage(snapshot), true);
    for (const snapshot of options.links?.current() ?? []) send(linkMessage(snapshot), true);
    if (options.line) send(lineMessage(options.line.snapshot()), true);
  };

  const onInspection = (_topic: string, payload: Buffer) => {
    const result = parseVerdictMessage(payload, options.maxInspectionBytes);
    if (!result.ok) {
      stats.inspectionsRejected++;
      logger.warn(
        {
          code: 'EDGE_INSPECTION_INVALID',
          reason: result.reason,
          bytes: payload.byteLength,
        },
        'bridge.inspection.invalid',
      );
      return;
    }
    stats.inspectionsAccepted++;
    options.onInspection?.(result.verdict);
  };

  const onLineCommand = (_topic: string, payload: Buffer) => {
    let command: unknown;
    try {
      command =
        payload.byteLength <= 1024
          ? (JSON.parse(payload.toString('utf8')) as { command?: unknown }).command
          : undefined;
    } catch {
      command = undefined;
    }
    if (!isPackMLCommand(command)) {
      stats.commandsRejected++;
      logger.warn({ code: 'EDGE_COMMAND_INVALID', bytes: payload.byteLength }, 'bridge.command.invalid');
      return;
    }
    try {
      options.onLineCommand?.(command);
    } catch (error) {
      stats.commandsRejected++;
      logger.warn(
        {
          command,
          code: isGatewayError(error) ? error.code : undefined,
          err: error,
        },
        'bridge.command.refused',
      );
    }
  };

  const visionPrefix = `${topics.prefix}/vision/`;
  const onVisionStatus = (topic: string, payload: Buffer) => {
    const instance = topic.slice(visionPrefix.length, -'/status'.length);
    const text = payload.toString('utf8');
    if (text !== STATUS_ONLINE && text !== STATUS_OFFLINE) {
      logger.warn({ instance, bytes: payload.byteLength }, 'bridge.vision.status.invalid');
      return;
    }
    options.onVisionStatus?.(instance, text === STATUS_ONLINE);
  };

  async function doStart(): Promise<void> {
    // Subscriptions first, so nothing published in reply to `online` is missed.
    const subscriptions: [string, (topic: string, payload: Buffer) => void][] = [
      [topics.inspection, onInspection],
    ];
    if (options.onLineCommand) subscriptions.push([topics.lineCommand, onLineCommand]);
    if (options.onVisionStatus) subscriptions.push([topics.visionStatusAll, onVisionStatus]);
    for (const [filter, handler] of subscriptions) {
      const unsubscribe = await connection.subscribe(filter, handler, { qos: 1 });
      detach.push(() => unsubscribe().catch(() => {}));
    }
    const { axes, links, line } = options;
    if (axes)
      detach.push(
        axes.subscribe((snapshot) => push(`axis:${snapshot.axis}`, axisMessage(snapshot), snapshot.state)),
      );
    if (links) {
      detach.push(
        links.subscribe((snapshot) =>
          push(`link:${snapshot.controller}`, linkMessage(snapshot), snapshot.state),
        ),
      );
    }
    if (line) detach.push(line.onChange((snapshot) => push('line', lineMessage(snapshot), snapshot.state)));
    detach.push(
      connection.onStatus((connected) => {
        if (connected) publishAll();
      }),
    );
    publishAll();
    logger.info({ prefix: topics.prefix }, 'bridge.started');
  }

  async function doClose(): Promise<void> {
    await started?.catch(() => {});
    throttle.clear();
    const unsubscribes = detach.splice(0).map((off) => off());
    if (connection.connected) {
      let cancelTimer: (() => void) | undefined;
      const bounded = new Promise<void>((resolve) => {
        cancelTimer = clock.after(options.closeTimeoutMs ?? 1000, resolve);
      });
      const offline = connection
        .publish(topics.gatewayStatus, STATUS_OFFLINE, { qos: 1, retain: true })
        .catch((error: unknown) => logger.warn({ err: error }, 'bridge.offline.failed'));
      await Promise.race([offline, bounded]);
      cancelTimer?.();
    }
    await Promise.all(unsubscribes);
    logger.info('bridge.closed');
  }

  return {
    start() {
      started ??= doStart();
      return started;
    },
    close() {
      closing ??= doClose();
      return closing;
    },
    stats: () => ({ ...stats }),
  };
}
