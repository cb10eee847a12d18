// An in-memory BrokerConnection: records publishes, delivers messages to handlers, flips connected on demand.

import type { BrokerConnection, MessageHandler, PublishOptions } from '../broker/broker-connection.js';
import { GatewayError } from '../errors.js';
import { topicMatches } from '../util/topic-match.js';

export interface FakeConnection extends BrokerConnection {
  readonly published: { topic: string; payload: string; qos: 0 | 1; retain: boolean }[];
  /** Filters subscribed, in order. */
  readonly filters: string[];
  /** Hands a message to every matching handler, as the broker would. */
  deliver(topic: string, payload: string | Buffer): void;
  setConnected(connected: boolean): void;
  /** Published payloads on one topic, oldest first. */
  payloadsOn(topic: string): string[];
}

export function createFakeConnection(): FakeConnection {
  let connected = false;
  const handlers: { filter: string; handler: MessageHandler }[] = [];
  const statusListeners = new Set<(connected: boolean) => void>();
  const published: FakeConnection['published'] = [];
  const filters: string[] = [];
  return {
    kind: 'embedded',
    published,
    filters,
    get connected() {
      return connected;
    },
    async start() {
      connected = true;
    },
    async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}) {
      if (!connected) throw new GatewayError('EDGE_MQTT_NOT_CONNECTED');
      published.push({
        topic,
        payload: payload.toString(),
        qos: options.qos ?? 0,
        retain: options.retain ?? false,
      });
    },
    async subscribe(filter, handler) {
      if (!connected) throw new GatewayError('EDGE_MQTT_NOT_CONNECTED');
      const entry = { filter, handler };
      handlers.push(entry);
      filters.push(filter);
      return async () => {
        handlers.splice(handlers.indexOf(entry), 1);
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    async close() {
      connected = false;
    },
    deliver(topic, payload) {
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
      for (const { filter, handler } of [...handlers]) if (topicMatches(filter, topic)) handler(topic, bytes);
    },
    setConnected(value) {
      connected = value;
      for (const listener of statusListeners) listener(value);
    },
    payloadsOn: (topic) =>
      published.filter((message) => message.topic === topic).map((message) => message.payload),
  };
}
