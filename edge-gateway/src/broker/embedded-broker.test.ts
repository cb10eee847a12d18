// The embedded broker over real sockets on port 0: auth, per-role ACL, TCP and WebSocket, lifecycle.

import { topicTree } from '@servo-edge/common/mqtt';
import { createMemoryLogger } from '@servo-edge/common/testing';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthConfig, EmbeddedMqttConfig } from '../config/types.js';
import { clientEvent, connectClient, endAll, nextMessage, WAIT_MS } from '../test-support/mqtt-clients.js';
import { createBrokerConnection } from './broker-connection.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

const prefix = 'servo-edge/test-line';
const topics = topicTree(prefix);
const mqttConfig: EmbeddedMqttConfig = {
  mode: 'embedded',
  host: '127.0.0.1',
  portTcp: 0,
  portWs: 0,
  drainTimeoutMs: 1000,
  connectTimeoutMs: 2000,
};
const KEYS = {
  admin: 'admin-secret-0123456789',
  operator: 'operator-secret-0123456',
  viewer: 'viewer-secret-012345678',
  vision: 'vision-secret-012345678',
};
const auth: AuthConfig = {
  devModeNoAuth: false,
  keys: [
    { name: 'admin', key: KEYS.admin, role: 'admin', source: 'file' },
    { name: 'operator', key: KEYS.operator, role: 'operator', source: 'file' },
    { name: 'viewer', key: KEYS.viewer, role: 'viewer', source: 'file' },
    { name: 'vision', key: KEYS.vision, role: 'service', source: 'file' },
  ],
};

let broker: EmbeddedBroker | undefined;
const clients: MqttClient[] = [];

const startBroker = async (overrides: Partial<{ auth: AuthConfig }> = {}) => {
  const logger = createMemoryLogger();
  broker = createEmbeddedBroker({
    config: mqttConfig,
    auth: overrides.auth ?? auth,
    topicPrefix: prefix,
    logger: logger.logger,
  });
  await broker.start();
  return { broker, logger };
};
const as = async (name: keyof typeof KEYS, url = broker!.tcpUrl()) => {
  const client = await connectClient(url, { username: name, password: KEYS[name] });
  clients.push(client);
  return client;
};

afterEach(async () => {
  await endAll(clients.splice(0));
  await broker?.close();
  broker = undefined;
});

describe('lifecycle', () => {
  it('listens on free ports when configured with 0, and closes twice safely', async () => {
    const { broker } = await startBroker();
    expect(broker.tcpPort()).toBeGreaterThan(0);
    expect(broker.wsPort()).toBeGreaterThan(0);
    expect(broker.tcpUrl()).toBe(`mqtt://127.0.0.1:${broker.tcpPort()}`);
    await Promise.all([broker.close(), broker.close()]);
    await broker.close();
    await expect(broker.start()).rejects.toMatchObject({ code: 'EDGE_BROKER_CLOSED' });
  });

  it("turns off mqtt-packet's number cache (65 536 Buffers) before aedes writes a packet", async () => {
    // Restore the library default, so this test sees the broker switch it off whatever ran before.
    mqttPacket.writeToStream.cacheNumbers = true;
    const { broker } = await startBroker();
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    // Packets are still written: a client connects (CONNACK) and gets its own message back.
    const client = await as('admin', broker.tcpUrl());
    await client.subscribeAsync(topics.lineCommand);
    const received = nextMessage(client);
    await client.publishAsync(topics.lineCommand, '{"command":"Start"}');
    await expect(received).resolves.toMatchObject({ payload: '{"command":"Start"}' });
  });

  it('has no ports or credentials before start, and closes without ever starting', async () => {
    const idle = createEmbeddedBroker({ config: mqttConfig, auth, topicPrefix: prefix });
    expect(() => idle.tcpPort()).toThrow(expect.objectContaining({ code: 'EDGE_BROKER_NOT_STARTED' }));
    expect(() => idle.internalCredentials()).toThrow(
      expect.objectContaining({ code: 'EDGE_BROKER_NOT_STARTED' }),
    );
    await idle.close();
  });

  it('a taken port is EDGE_BROKER_LISTEN_FAILED', async () => {
    const { broker: first } = await startBroker();
    const second = createEmbeddedBroker({
      config: { ...mqttConfig, portTcp: first.tcpPort() },
      auth,
      topicPrefix: prefix,
    });
    await expect(second.start()).rejects.toMatchObject({ code: 'EDGE_BROKER_LISTEN_FAILED' });
    await second.close();
  });

  it('close disconnects connected clients', async () => {
    const { broker } = await startBroker();
    const client = await as('viewer');
    const closed = clientEvent(client, 'close');
    await broker.close();
    await closed;
    expect(broker.connectedClients()).toBe(0);
  });
});

describe('authentication', () => {
  it.each([
    ['a wrong password', { username: 'viewer', password: 'wrong-secret-012345678' }],
    ["another key's password", { username: 'viewer', password: KEYS.admin }],
    ['an unknown name', { username: 'ghost', password: KEYS.viewer }],
    ['no credentials', {}],
  ])('refuses %s with CONNACK "not authorized"', async (_, credentials) => {
    const { broker, logger } = await startBroker();
    await expect(connectClient(broker.tcpUrl(), credentials)).rejects.toMatchObject({ code: 5 });
    const [refusal] = logger.events('mqtt.auth.refused');
    expect(refusal?.fields['code']).toBe('EDGE_MQTT_AUTH_REFUSED');
    // The password never reaches the log.
    expect(JSON.stringify(logger.records)).not.toContain('wrong-secret');
  });

  it('the BrokerConnection reports a refusal as EDGE_MQTT_CONNECT_REFUSED', async () => {
    const { broker } = await startBroker();
    const connection = createBrokerConnection({
      kind: 'embedded',
      connectTimeoutMs: WAIT_MS,
      target: () => ({ url: broker.tcpUrl(), username: 'viewer', password: 'nope-nope-nope-nope' }),
    });
    await expect(connection.start()).rejects.toMatchObject({ code: 'EDGE_MQTT_CONNECT_REFUSED' });
    await connection.close();
  });

  it('accepts anonymous clients as admin in loopback dev mode', async () => {
    const { broker, logger } = await startBroker({ auth: { devModeNoAuth: true, keys: [] } });
    const client = await connectClient(broker.tcpUrl());
    clients.push(client);
    await client.publishAsync(topics.lineCommand, '{"command":"Start"}', { qos: 1 });
    expect(logger.events('mqtt.auth.disabled')).toHaveLength(1);
  });
});

describe('authorization', () => {
  it('a viewer can subscribe, but publishing a command gets it disconnected and the command is not delivered', async () => {
    const { broker, logger } = await startBroker();
    const watcher = await as('admin');
    await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
    const viewer = await as('viewer');
    const granted = await viewer.subscribeAsync(`${prefix}/line/#`);
    expect(granted.map((grant) => grant.qos)).toEqual([0]);

    // 1. The viewer's command: the broker closes its connection [MQTT-3.3.5-2].
    const closed = clientEvent(viewer, 'close');
    viewer.publish(topics.lineCommand, '{"command":"Stop","from":"viewer"}', { qos: 1 });
    await closed;
    // 2. An operator's command afterwards is the first and only command the watcher sees.
    const received = nextMessage(watcher, (topic) => topic === topics.lineCommand);
    const operator = await as('operator');
    await operator.publishAsync(topics.lineCommand, '{"command":"Start","from":"operator"}', { qos: 1 });
    expect(JSON.parse((await received).payload)).toEqual({ command: 'Start', from: 'operator' });
    expect(
      logger
        .events('mqtt.publish.denied')
        .map((r) => [r.fields['code'], r.fields['username'], r.fields['topic']]),
    ).toEqual([['EDGE_MQTT_PUBLISH_DENIED', 'viewer', topics.lineCommand]]);
    expect(broker.connectedClients()).toBe(2);
  });

  it('subscriptions outside the prefix are refused with SUBACK 0x80, the connection stays', async () => {
    const { logger } = await startBroker();
    const viewer = await as('viewer');
    const refusal = await viewer
      .subscribeAsync(['#', '$SYS/#', `${prefix}/#`])
      .catch((error: unknown) => error);
    expect((refusal as { packet: { granted: number[] } }).packet.granted).toEqual([128, 128, 0]);
    expect(viewer.connected).toBe(true);
    expect(logger.events('mqtt.subscribe.denied')).toHaveLength(2);
  });

  it('the BrokerConnection reports a refused filter as EDGE_MQTT_SUBSCRIBE_DENIED', async () => {
    const { broker } = await startBroker();
    const connection = createBrokerConnection({
      kind: 'embedded',
      connectTimeoutMs: WAIT_MS,
      target: () => ({ url: broker.tcpUrl(), username: 'viewer', password: KEYS.viewer }),
    });
    await connection.start();
    await expect(connection.subscribe('#', () => {})).rejects.toMatchObject({
      code: 'EDGE_MQTT_SUBSCRIBE_DENIED',
    });
    await connection.close();
  });

  it('a service may publish frames, verdicts and its status, and nothing else', async () => {
    const { logger } = await startBroker();
    const watcher = await as('admin');
    await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
    const vision = await as('vision');
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    const allowed = [topics.cameraFrame('cam-1'), topics.visionStatus('vision-a'), topics.inspection];
    const lastArrives = nextMessage(watcher, (topic) => topic === topics.inspection);
    for (const topic of allowed) await vision.publishAsync(topic, 'x', { qos: 1 });
    await lastArrives;
    expect(seen).toEqual(allowed);

    const closed = clientEvent(vision, 'close');
    vision.publish(topics.lineState, '{}', { qos: 1 });
    await closed;
    expect(logger.events('mqtt.publish.denied')).toHaveLength(1);
  });

  it('the gateway principal publishes state; its Last Will says offline when it dies', async () => {
    const { broker } = await startBroker();
    const watcher = await as('viewer');
    await watcher.subscribeAsync(topics.gatewayStatus, { qos: 1 });
    let raw: MqttClient | undefined;
    const connection = createBrokerConnection({
      kind: 'embedded',
      connectTimeoutMs: WAIT_MS,
      reconnectPeriodMs: 0,
      target: () => ({ url: broker.tcpUrl(), ...broker.internalCredentials() }),
      will: { topic: topics.gatewayStatus, payload: 'offline', qos: 1, retain: true },
      connect: (url, options) => {
        raw = mqtt.connect(url, options);
        return raw;
      },
    });
    await connection.start();
    const online = nextMessage(watcher);
    await connection.publish(topics.gatewayStatus, 'online', { qos: 1, retain: true });
    expect((await online).payload).toBe('online');

    // Kill the socket without DISCONNECT: the broker publishes the will.
    const offline = nextMessage(watcher);
    raw!.stream.destroy();
    expect((await offline).payload).toBe('offline');
    await connection.close();

    // Retained: a late subscriber still learns the gateway is offline.
    const late = await as('viewer');
    const retained = nextMessage(late);
    await late.subscribeAsync(topics.gatewayStatus);
    expect(await retained).toMatchObject({ payload: 'offline', retain: true });
  });

  it('works the same over WebSocket', async () => {
    const { broker } = await startBroker();
    const watcher = await as('viewer', broker.wsUrl());
    await watcher.subscribeAsync(`${prefix}/#`);
    const arrives = nextMessage(watcher);
    const operator = await as('operator', broker.wsUrl());
    await operator.publishAsync(topics.recipe, '{"gtin":"1"}', { qos: 1, retain: true });
    expect(await arrives).toMatchObject({ topic: topics.recipe });
    await expect(
      connectClient(broker.wsUrl(), { username: 'viewer', password: 'bad-bad-bad-bad-bad' }),
    ).rejects.toMatchObject({
      code: 5,
    });
  });
});
