// The BrokerConnection seam: first-connect failures, no offline queue, resubscribe on reconnect, bounded close.

import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ManualClock } from '@servo-edge/common/testing';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthConfig, EmbeddedMqttConfig } from '../config/types.js';
import { clientEvent, connectClient, endAll, WAIT_MS } from '../test-support/mqtt-clients.js';
import { type BrokerConnection, createBrokerConnection } from './broker-connection.js';
import { createEmbeddedBroker } from './embedded-broker.js';
import { createGatewayConnection } from './gateway-connection.js';

const prefix = 'servo-edge/conn';
const ADMIN = 'admin-secret-0123456789';
const auth: AuthConfig = {
  devModeNoAuth: false,
  keys: [{ name: 'admin', key: ADMIN, role: 'admin', source: 'file' }],
};
const embedded = (portTcp = 0): EmbeddedMqttConfig => ({
  mode: 'embedded',
  host: '127.0.0.1',
  portTcp,
  portWs: 0,
  drainTimeoutMs: 1000,
  connectTimeoutMs: 2000,
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const task of cleanup.splice(0).reverse()) await task();
});

const startBroker = async (portTcp = 0) => {
  const broker = createEmbeddedBroker({ config: embedded(portTcp), auth, topicPrefix: prefix });
  cleanup.push(() => broker.close());
  await broker.start();
  return broker;
};
const track = (connection: BrokerConnection) => {
  cleanup.push(() => connection.close());
  return connection;
};
/** Resolves when the connection reports `wanted`. */
const status = (connection: BrokerConnection, wanted: boolean) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status ${wanted}`)), WAIT_MS);
    const off = connection.onStatus((connected) => {
      if (connected !== wanted) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
/** A TCP server that accepts connections and never answers. */
const silentServer = async () => {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
};

describe('first connection', () => {
  it('connects to the embedded broker with its internal credentials, and the gateway principal can publish state', async () => {
    const broker = await startBroker();
    const connection = track(
      createGatewayConnection({
        mqtt: embedded(),
        broker,
        will: { topic: `${prefix}/gateway/status`, payload: 'offline', qos: 1, retain: true },
      }),
    );
    expect(connection.connected).toBe(false);
    await connection.start();
    expect(connection.kind).toBe('embedded');
    expect(connection.connected).toBe(true);
    await connection.publish(`${prefix}/line/state`, '{}', { qos: 1, retain: true });
  });

  it('the same seam connects to an "external" broker by URL, also over WebSocket', async () => {
    const broker = await startBroker();
    for (const url of [broker.tcpUrl(), broker.wsUrl()]) {
      const connection = track(
        createGatewayConnection({
          mqtt: { mode: 'external', url, username: 'admin', password: ADMIN, connectTimeoutMs: WAIT_MS },
        }),
      );
      await connection.start();
      expect(connection.kind).toBe('external');
      let deliver: (payload: string) => void = () => {};
      const received = new Promise<string>((resolve) => {
        deliver = resolve;
      });
      await connection.subscribe(`${prefix}/echo`, (_topic, payload) => deliver(payload.toString()), {
        qos: 1,
      });
      await connection.publish(`${prefix}/echo`, url, { qos: 1 });
      expect(await received).toBe(url);
    }
  });

  it('network errors until the deadline: EDGE_MQTT_CONNECT_FAILED', async () => {
    // 1. A port nobody listens on: every attempt fails with ECONNREFUSED.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const clock = new ManualClock();
    let raw: MqttClient | undefined;
    const connection = track(
      createBrokerConnection({
        kind: 'external',
        clock,
        connectTimeoutMs: 10_000,
        target: () => ({ url: `mqtt://127.0.0.1:${port}` }),
        connect: (url, options) => {
          raw = mqtt.connect(url, options);
          return raw;
        },
      }),
    );
    const started = connection.start();
    // 2. Wait for the first refusal, then let the deadline pass.
    await clientEvent(raw!, 'error');
    clock.advanceBy(10_000);
    await expect(started).rejects.toMatchObject({ code: 'EDGE_MQTT_CONNECT_FAILED' });
  });

  it('a broker that never answers: EDGE_MQTT_CONNECT_TIMEOUT', async () => {
    const port = await silentServer();
    const clock = new ManualClock();
    const connection = track(
      createBrokerConnection({
        kind: 'external',
        clock,
        connectTimeoutMs: 60_000,
        target: () => ({ url: `mqtt://127.0.0.1:${port}` }),
      }),
    );
    const started = connection.start();
    clock.advanceBy(60_000);
    await expect(started).rejects.toMatchObject({ code: 'EDGE_MQTT_CONNECT_TIMEOUT' });
  });

  it('asks mqtt.js for no number write cache (65 536 Buffers of heap), whatever the broker', async () => {
    const port = await silentServer();
    let seen: IClientOptions | undefined;
    const connection = createBrokerConnection({
      kind: 'external',
      connectTimeoutMs: 60_000,
      target: () => ({ url: `mqtt://127.0.0.1:${port}` }),
      connect: (url, options) => {
        seen = options;
        return mqtt.connect(url, options);
      },
    });
    const started = connection.start();
    await connection.close();
    await expect(started).rejects.toMatchObject({ code: 'EDGE_MQTT_CLOSED' });
    expect(seen?.writeCache).toBe(false);
  });

  it('close() during start rejects the start with EDGE_MQTT_CLOSED', async () => {
    const port = await silentServer();
    const connection = createBrokerConnection({
      kind: 'external',
      connectTimeoutMs: 60_000,
      target: () => ({ url: `mqtt://127.0.0.1:${port}` }),
    });
    const started = connection.start();
    await connection.close();
    await expect(started).rejects.toMatchObject({ code: 'EDGE_MQTT_CLOSED' });
    await expect(connection.start()).rejects.toMatchObject({ code: 'EDGE_MQTT_CLOSED' });
  });
});

describe('while running', () => {
  it('publish and subscribe need a connection; nothing is queued offline', async () => {
    const connection = createBrokerConnection({
      kind: 'external',
      connectTimeoutMs: 1000,
      target: () => ({ url: 'mqtt://127.0.0.1:1' }),
    });
    await expect(connection.publish('a', 'b')).rejects.toMatchObject({ code: 'EDGE_MQTT_NOT_CONNECTED' });
    await expect(connection.subscribe('a', () => {})).rejects.toMatchObject({
      code: 'EDGE_MQTT_NOT_CONNECTED',
    });
    await connection.close();
    await connection.close();
    await expect(connection.publish('a', 'b')).rejects.toMatchObject({ code: 'EDGE_MQTT_CLOSED' });
  });

  it('reconnects after the broker comes back, resubscribes, and reports each change', async () => {
    // 1. Broker up, connection subscribed.
    const first = await startBroker();
    const port = first.tcpPort();
    const connection = track(
      createBrokerConnection({
        kind: 'external',
        connectTimeoutMs: WAIT_MS,
        reconnectPeriodMs: 20,
        target: () => ({ url: first.tcpUrl(), username: 'admin', password: ADMIN }),
      }),
    );
    await connection.start();
    const messages: string[] = [];
    let onMessage: (() => void) | undefined;
    await connection.subscribe(`${prefix}/line/command`, (_topic, payload) => {
      messages.push(payload.toString());
      onMessage?.();
    });
    // 2. Broker gone: status false, publishes refused.
    const lost = status(connection, false);
    await first.close();
    await lost;
    expect(connection.connected).toBe(false);
    await expect(connection.publish('x', 'y')).rejects.toMatchObject({ code: 'EDGE_MQTT_NOT_CONNECTED' });
    // 3. A broker on the same port again: status true, the subscription is back.
    const back = status(connection, true);
    await startBroker(port);
    await back;
    const publisher = await connectClient(`mqtt://127.0.0.1:${port}`, { username: 'admin', password: ADMIN });
    cleanup.push(() => endAll([publisher]));
    const delivered = new Promise<void>((resolve) => {
      onMessage = resolve;
    });
    await publisher.publishAsync(`${prefix}/line/command`, 'after-reconnect', { qos: 1 });
    await delivered;
    expect(messages).toEqual(['after-reconnect']);
  });

  it('a throwing handler is isolated; unsubscribe stops delivery', async () => {
    const broker = await startBroker();
    const connection = track(
      createBrokerConnection({
        kind: 'external',
        connectTimeoutMs: WAIT_MS,
        target: () => ({ url: broker.tcpUrl(), username: 'admin', password: ADMIN }),
      }),
    );
    await connection.start();
    const got: string[] = [];
    let next: (() => void) | undefined;
    await connection.subscribe(`${prefix}/a`, () => {
      throw new Error('handler bug');
    });
    const off = await connection.subscribe(`${prefix}/+`, (topic) => {
      got.push(topic);
      next?.();
    });
    const arrived = new Promise<void>((resolve) => {
      next = resolve;
    });
    await connection.publish(`${prefix}/a`, '1', { qos: 1 });
    await arrived;
    await off();
    await off();
    expect(got).toEqual([`${prefix}/a`]);
  });
});
