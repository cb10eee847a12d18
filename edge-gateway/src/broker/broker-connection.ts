// The one MQTT seam: an mqtt.js client to the embedded broker or an external one; callers cannot tell which.

import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { GatewayError } from '../errors.js';
import { topicMatches } from '../util/topic-match.js';

/** Where to connect; resolved at `start()`, because an embedded broker's port is known only then. */
export interface ConnectTarget {
  /** mqtt://, mqtts://, ws:// or wss://, without credentials. */
  url: string;
  username?: string;
  password?: string;
}

export interface LastWill {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface BrokerConnectionOptions {
  /** For logs and diagnostics only; behaviour is identical for both. */
  kind: 'embedded' | 'external';
  target: () => ConnectTarget;
  /** Give up on the first connection after this long. */
  connectTimeoutMs: number;
  clientId?: string;
  keepaliveS?: number;
  /** Delay between reconnect attempts once started. Default 1000. */
  reconnectPeriodMs?: number;
  /** Published by the broker if this connection dies without a DISCONNECT [MQTT-3.1.2-8]. */
  will?: LastWill;
  /** Bound on the clean DISCONNECT at `close()`. Default 2000. */
  closeTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  /** Test seam: mqtt.js `connect`. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

/**
 * Contract:
 * - `start()` resolves on the first CONNACK. It rejects EDGE_MQTT_CONNECT_REFUSED (credentials),
 *   EDGE_MQTT_CONNECT_FAILED (network errors until the timeout) or EDGE_MQTT_CONNECT_TIMEOUT.
 *   After that the connection reconnects by itself; `onStatus` reports each change.
 * - `publish()` while disconnected rejects EDGE_MQTT_NOT_CONNECTED at once. Nothing is queued
 *   offline: state is republished on reconnect by whoever owns it, so memory stays bounded.
 * - Subscriptions survive reconnects. A handler that throws is logged; it never breaks the client.
 * - `close()` sends DISCONNECT (so the broker drops the Last Will), is bounded and idempotent.
 */
export interface BrokerConnection {
  readonly kind: 'embedded' | 'external';
  readonly connected: boolean;
  start(): Promise<void>;
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
  /** Resolves once the broker granted it; the returned function unsubscribes. */
  subscribe(filter: string, handler: MessageHandler, options?: { qos?: 0 | 1 }): Promise<() => Promise<void>>;
  /** Called with `true` on every (re)connect and `false` on every loss; returns an unsubscribe function. */
  onStatus(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

/** CONNACK codes that mean "your credentials": v3.1.1 4 and 5, v5 134 and 135. */
const REFUSED_CODES = new Set([4, 5, 134, 135]);

/** Constructs without I/O; `start()` connects. */
export function createBrokerConnection(options: BrokerConnectionOptions): BrokerConnection {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const connectFn = options.connect ?? mqtt.connect;
  const subscriptions: { filter: string; handler: MessageHandler }[] = [];
  const statusListeners = new Set<(connected: boolean) => void>();
  let client: MqttClient | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let url = '';

  const notify = (connected: boolean) => {
    for (const listener of statusListeners) {
      try {
        listener(connected);
      } catch (error) {
        logger.error({ err: error }, 'mqtt.status.listener.failed');
      }
    }
  };

  const dispatch = (topic: string, payload: Buffer) => {
    for (const subscription of subscriptions) {
      if (!topicMatches(subscription.filter, topic)) continue;
      try {
        subscription.handler(topic, payload);
      } catch (error) {
        logger.error({ topic, err: error }, 'mqtt.handler.failed');
      }
    }
  };

  function doStart(): Promise<void> {
    const target = options.target();
    url = target.url;
    const connectOptions: IClientOptions = {
      protocolVersion: 4,
      clean: true,
      keepalive: options.keepaliveS ?? 30,
      connectTimeout: options.connectTimeoutMs,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      resubscribe: true,
      queueQoSZero: false,
      // mqtt-packet's default write cache is 65 536 two-byte Buffers, about 7 MB of heap for a
      // gateway that publishes a few topics: too much on a Pi. Numbers are encoded as needed instead.
      writeCache: false,
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(options.will ? { will: { ...options.will } } : {}),
    };
    const current = connectFn(target.url, connectOptions);
    client = current;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let lastError: Error | undefined;
      const settle = (error?: GatewayError) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        if (!error) return resolve();
        current.end(true);
        reject(error);
      };
      const cancelTimer = clock.after(options.connectTimeoutMs, () => {
        settle(
          lastError
            ? new GatewayError('EDGE_MQTT_CONNECT_FAILED', url, { cause: lastError })
            : new GatewayError('EDGE_MQTT_CONNECT_TIMEOUT', url),
        );
      });

      current.on('connect', () => {
        logger.info({ kind: options.kind, url }, 'mqtt.connected');
        settle();
        notify(true);
      });
      current.on('offline', () => {
        if (!settled) return;
        logger.warn({ kind: options.kind, url }, 'mqtt.connection.lost');
        notify(false);
      });
      current.on('error', (error: Error & { code?: unknown }) => {
        if (typeof error.code === 'number' && REFUSED_CODES.has(error.code)) {
          logger.error({ kind: options.kind, url, returnCode: error.code }, 'mqtt.connect.refused');
          settle(new GatewayError('EDGE_MQTT_CONNECT_REFUSED', url, { cause: error }));
          return;
        }
        lastError = error;
        logger.warn({ kind: options.kind, url, err: error }, 'mqtt.error');
      });
      current.on('message', dispatch);
      // close() during start
      current.on('end', () => settle(new GatewayError('EDGE_MQTT_CLOSED', url)));
    });
  }

  const live = (): MqttClient => {
    if (closing) throw new GatewayError('EDGE_MQTT_CLOSED');
    if (!client?.connected) throw new GatewayError('EDGE_MQTT_NOT_CONNECTED');
    return client;
  };

  return {
    kind: options.kind,
    get connected() {
      return client?.connected === true && !closing;
    },
    start() {
      if (closing) return Promise.reject(new GatewayError('EDGE_MQTT_CLOSED'));
      starting ??= doStart();
      return starting;
    },
    async publish(topic, payload, publishOptions = {}) {
      const current = live();
      await current.publishAsync(topic, payload, {
        qos: publishOptions.qos ?? 0,
        retain: publishOptions.retain ?? false,
      });
    },
    async subscribe(filter, handler, subscribeOptions = {}) {
      const current = live();
      try {
        await current.subscribeAsync(filter, { qos: subscribeOptions.qos ?? 0 });
      } catch (error) {
        // mqtt.js rejects on SUBACK 0x80: the broker's ACL refused the filter [MQTT-3.9.3].
        const granted = (error as { packet?: { granted?: unknown[] } }).packet?.granted;
        if (granted?.includes(128))
          throw new GatewayError('EDGE_MQTT_SUBSCRIBE_DENIED', filter, { cause: error });
        throw error;
      }
      const entry = { filter, handler };
      subscriptions.push(entry);
      return async () => {
        const index = subscriptions.indexOf(entry);
        if (index === -1) return;
        subscriptions.splice(index, 1);
        if (!subscriptions.some((other) => other.filter === filter) && client?.connected) {
          await client.unsubscribeAsync(filter);
        }
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        const current = client;
        if (!current) return;
        await new Promise<void>((resolve) => {
          // A clean DISCONNECT makes the broker discard the Last Will [MQTT-3.1.2-10]; bounded, then forced.
          const cancelTimer = clock.after(options.closeTimeoutMs ?? 2000, () =>
            current.end(true, () => resolve()),
          );
          current.end(false, () => {
            cancelTimer();
            resolve();
          });
        });
        statusListeners.clear();
        subscriptions.length = 0;
      })();
      return closing;
    },
  };
}
