// Builds the gateway's BrokerConnection from the config: to its own embedded broker, or to the external URL.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { MqttConfig } from '../config/types.js';
import { type BrokerConnection, createBrokerConnection, type LastWill } from './broker-connection.js';
import type { EmbeddedBroker } from './embedded-broker.js';

export interface GatewayConnectionOptions {
  mqtt: MqttConfig;
  /** Required when `mqtt.mode` is `embedded`; started before the connection. */
  broker?: EmbeddedBroker;
  will?: LastWill;
  clientId?: string;
  logger?: Logger;
  clock?: Clock;
}

export function createGatewayConnection(options: GatewayConnectionOptions): BrokerConnection {
  const { mqtt } = options;
  const common = {
    ...(options.will ? { will: options.will } : {}),
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (mqtt.mode === 'external') {
    return createBrokerConnection({
      kind: 'external',
      connectTimeoutMs: mqtt.connectTimeoutMs,
      target: () => ({
        url: mqtt.url,
        ...(mqtt.username === undefined ? {} : { username: mqtt.username }),
        ...(mqtt.password === undefined ? {} : { password: mqtt.password }),
      }),
      ...common,
    });
  }
  const broker = options.broker;
  if (!broker) throw new TypeError('createGatewayConnection: mqtt.mode is embedded but no broker was given');
  return createBrokerConnection({
    kind: 'embedded',
    connectTimeoutMs: mqtt.connectTimeoutMs,
    // Over loopback TCP, exactly like any other client: the same code path as an external broker.
    target: () => ({ url: broker.tcpUrl(), ...broker.internalCredentials() }),
    ...common,
  });
}
