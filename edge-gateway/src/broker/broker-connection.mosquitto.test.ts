// The same BrokerConnection and bridge against Debian's mosquitto as the external broker (config `mqtt.external`).

import { topicTree } from '@servo-edge/common/mqtt';
import { type Mosquitto, mosquittoSkipReason, startMosquitto } from '@servo-edge/common/testing';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttBridge, gatewayStatusWill } from '../bridge/mqtt-bridge.js';
import { parseConfigText } from '../config/load.js';
import { connectClient, endAll, nextMessage } from '../test-support/mqtt-clients.js';
import { createBrokerConnection } from './broker-connection.js';
import { createGatewayConnection } from './gateway-connection.js';

/** The motion section every gateway config has (the line's two axes); this test uses only `mqtt`. */
const MOTION_SECTION = `motion:
  controllers: [{ id: ctrl-a, path: "sim://ctrl-a" }]
  axes:
    - { name: conveyor, controller: ctrl-a, axis: 1, unit: mm, countsPerUnit: 10, minUnits: -1000, maxUnits: 1000, maxVelocityUnitsPerS: 100, maxAccelerationUnitsPerS2: 100, defaultVelocityUnitsPerS: 10, defaultAccelerationUnitsPerS2: 10 }
    - { name: reject-arm, controller: ctrl-a, axis: 2, unit: deg, countsPerUnit: 10, minUnits: 0, maxUnits: 90, maxVelocityUnitsPerS: 100, maxAccelerationUnitsPerS2: 100, defaultVelocityUnitsPerS: 10, defaultAccelerationUnitsPerS2: 10 }
`;

const skipReason = mosquittoSkipReason();
const USERS = { gateway: 'gateway-secret-0123', watcher: 'watcher-secret-0123' };
const topics = topicTree('servo-edge/mosq');

describe.skipIf(skipReason !== undefined)(
  `BrokerConnection on mosquitto${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let broker: Mosquitto;
    let watcher: MqttClient;

    beforeAll(async () => {
      broker = await startMosquitto(USERS);
      watcher = await connectClient(broker.url, { username: 'watcher', password: USERS.watcher });
      await watcher.subscribeAsync(`${topics.prefix}/#`, { qos: 1 });
    });
    afterAll(async () => {
      await endAll([watcher]);
      await broker?.close();
    });

    /** The gateway's mqtt section as an operator would write it, password from the environment. */
    const configFor = (password: string) =>
      parseConfigText(
        `mqtt:\n  external: { url: "${broker.url}", username: gateway, passwordEnv: MQTT_PW, connectTimeoutMs: 5000 }\ntopicPrefix: ${topics.prefix}\n${MOTION_SECTION}`,
        { env: { SERVO_EDGE_API_KEY: 'admin-secret-0123456789', MQTT_PW: password } },
      );

    it('connects with the configured credentials; the bridge publishes online, then offline at close', async () => {
      const config = configFor(USERS.gateway);
      const connection = createGatewayConnection({ mqtt: config.mqtt, will: gatewayStatusWill(topics) });
      await connection.start();
      expect(connection.kind).toBe('external');
      const bridge = createMqttBridge({
        connection,
        topics,
        publishIntervalMs: 50,
        maxInspectionBytes: 65_536,
      });
      const online = nextMessage(watcher, (topic) => topic === topics.gatewayStatus);
      await bridge.start();
      expect((await online).payload).toBe('online');
      const offline = nextMessage(watcher, (topic) => topic === topics.gatewayStatus);
      await bridge.close();
      expect((await offline).payload).toBe('offline');
      await connection.close();
    });

    it('its Last Will is published when the connection dies', async () => {
      let raw: MqttClient | undefined;
      const connection = createBrokerConnection({
        kind: 'external',
        connectTimeoutMs: 5000,
        reconnectPeriodMs: 0,
        target: () => ({ url: broker.url, username: 'gateway', password: USERS.gateway }),
        will: gatewayStatusWill(topics),
        connect: (url, options) => {
          raw = mqtt.connect(url, options);
          return raw;
        },
      });
      await connection.start();
      await connection.publish(topics.gatewayStatus, 'online', { qos: 1, retain: true });
      const will = nextMessage(
        watcher,
        (topic, payload) => topic === topics.gatewayStatus && payload.toString() === 'offline',
      );
      // No DISCONNECT: to the broker this is a crash.
      raw!.stream.destroy();
      expect((await will).payload).toBe('offline');
      await connection.close();
    });

    it('a wrong password is EDGE_MQTT_CONNECT_REFUSED', async () => {
      const connection = createGatewayConnection({ mqtt: configFor('wrong-password-000').mqtt });
      await expect(connection.start()).rejects.toMatchObject({ code: 'EDGE_MQTT_CONNECT_REFUSED' });
      await connection.close();
    });
  },
);
