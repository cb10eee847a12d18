// The embedded aedes broker on TCP and WebSocket, with API-key auth and per-topic ACL through aedes hooks.

import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { KeyStore } from '../auth/key-store.js';
import type { AuthConfig, EmbeddedMqttConfig } from '../config/types.js';
import { GatewayError } from '../errors.js';
import { mayPublish, maySubscribe, type Principal } from './acl.js';

export interface EmbeddedBrokerOptions {
  config: EmbeddedMqttConfig;
  auth: AuthConfig;
  topicPrefix: string;
  logger?: Logger;
  /** Largest WebSocket message accepted; camera frames must fit. Default 16 MiB. */
  maxWsPayloadBytes?: number;
}

export interface BrokerCredentials {
  username: string;
  password: string;
}

export interface EmbeddedBroker {
  /** Creates aedes and listens on both ports. Rejects EDGE_BROKER_LISTEN_FAILED or EDGE_BROKER_CLOSED. */
  start(): Promise<void>;
  /** Disconnects every client, stops listening. Safe to call twice, and before start. */
  close(): Promise<void>;
  /** Bound ports (the real ones when the config said 0). Throw EDGE_BROKER_NOT_STARTED before start. */
  tcpPort(): number;
  wsPort(): number;
  /** `mqtt://<host>:<port>` / `ws://<host>:<port>`, with a wildcard listen address replaced by loopback. */
  tcpUrl(): string;
  wsUrl(): string;
  /** The gateway's own principal: random per start, never in the config, never logged. */
  internalCredentials(): BrokerCredentials;
  connectedClients(): number;
}

/** MQTT 3.1.1 CONNACK return code 5 [MQTT-3.2.2-3]. */
const NOT_AUTHORIZED = 5;
const INTERNAL_USERNAME = '$servo-edge-gateway';

/** Constructs the broker without I/O; `start()` listens. */
export function createEmbeddedBroker(options: EmbeddedBrokerOptions): EmbeddedBroker {
  const { config, auth, topicPrefix } = options;
  const logger = options.logger ?? silentLogger;
  const keys = new KeyStore(auth.keys);
  const principals = new WeakMap<Client, { principal: Principal; name: string }>();
  const sockets = new Set<Socket>();
  let internal: BrokerCredentials | undefined;
  let internalStore: KeyStore | undefined;
  let aedes: Aedes | undefined;
  let tcp: NetServer | undefined;
  let http: HttpServer | undefined;
  let wss: WebSocketServer | undefined;
  let tcpPort: number | undefined;
  let wsPort: number | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const identify = (username: string | undefined, password: Buffer | undefined) => {
    if (internalStore && username === INTERNAL_USERNAME && password !== undefined) {
      if (internalStore.verify(username, password))
        return { principal: 'gateway' as const, name: INTERNAL_USERNAME };
    }
    if (username !== undefined && password !== undefined) {
      const identity = keys.verify(username, password);
      if (identity) return { principal: identity.role, name: identity.name };
    }
    // Loopback-only dev mode (checked at config load): anyone is admin.
    if (auth.devModeNoAuth) return { principal: 'admin' as const, name: username ?? 'anonymous' };
    return undefined;
  };

  const hooks = {
    authenticate(
      client: Client,
      username: string | undefined,
      password: Buffer | undefined,
      done: (error: AuthenticateError | null, success: boolean | null) => void,
    ) {
      const identity = identify(username, password);
      if (!identity) {
        logger.warn(
          {
            code: 'EDGE_MQTT_AUTH_REFUSED',
            clientId: client.id,
            username: username ?? null,
          },
          'mqtt.auth.refused',
        );
        const error = Object.assign(new Error('not authorized'), {
          returnCode: NOT_AUTHORIZED,
        }) as AuthenticateError;
        done(error, false);
        return;
      }
      principals.set(client, identity);
      done(null, true);
    },
    authorizePublish(client: Client | null, packet: { topic: string }, done: (error?: Error | null) => void) {
      // client is null for the broker's own publishes ($SYS heartbeats): always allowed.
      if (client === null) return done(null);
      const identity = principals.get(client);
      if (identity && mayPublish(identity.principal, packet.topic, topicPrefix)) return done(null);
      logger.warn(
        {
          code: 'EDGE_MQTT_PUBLISH_DENIED',
          clientId: client.id,
          username: identity?.name ?? null,
          role: identity?.principal ?? null,
          topic: packet.topic,
        },
        'mqtt.publish.denied',
      );
      // MQTT 3.1.1 has no negative PUBACK: the server must ack or close the connection [MQTT-3.3.5-2].
      done(new GatewayError('EDGE_MQTT_PUBLISH_DENIED', packet.topic));
    },
    authorizeSubscribe<S extends { topic: string }>(
      client: Client,
      subscription: S,
      done: (error: Error | null, subscription?: S | null) => void,
    ) {
      const identity = principals.get(client);
      if (identity && maySubscribe(identity.principal, subscription.topic, topicPrefix))
        return done(null, subscription);
      logger.warn(
        {
          code: 'EDGE_MQTT_SUBSCRIBE_DENIED',
          clientId: client.id,
          username: identity?.name ?? null,
          role: identity?.principal ?? null,
          filter: subscription.topic,
        },
        'mqtt.subscribe.denied',
      );
      // A null subscription makes aedes answer SUBACK 0x80 for it and keep the connection [MQTT-3.9.3].
      done(null, null);
    },
  };

  const notStarted = (what: string): never => {
    throw new GatewayError('EDGE_BROKER_NOT_STARTED', what);
  };
  const clientHost = () => (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host);
  const urlHost = () => (clientHost().includes(':') ? `[${clientHost()}]` : clientHost());

  const listen = (server: NetServer | HttpServer, port: number, which: string) =>
    new Promise<number>((resolve, reject) => {
      const onError = (cause: Error) =>
        reject(new GatewayError('EDGE_BROKER_LISTEN_FAILED', `${which} ${config.host}:${port}`, { cause }));
      server.once('error', onError);
      server.listen(port, config.host, () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });

  const closeServer = (server: NetServer | HttpServer | undefined) =>
    new Promise<void>((resolve) => {
      if (!server?.listening) return resolve();
      server.close(() => resolve());
    });

  async function doStart(): Promise<void> {
    internal = { username: INTERNAL_USERNAME, password: randomBytes(32).toString('base64url') };
    // The role here is unused: a match on this store means the `gateway` principal.
    internalStore = new KeyStore([
      { name: INTERNAL_USERNAME, key: internal.password, role: 'admin', source: 'file' },
    ]);
    // aedes writes with mqtt-packet, whose number cache (65 536 Buffers, ~7 MB of heap) is built on the
    // first write unless it is switched off first (mqtt-packet README, "writeToStream").
    mqttPacket.writeToStream.cacheNumbers = false;
    aedes = await Aedes.createBroker({
      connectTimeout: config.connectTimeoutMs,
      drainTimeout: config.drainTimeoutMs,
      // Bounded per-client offline queue: a stalled client cannot grow the heap without limit.
      queueLimit: 42,
      ...hooks,
    });
    const broker = aedes;
    broker.on('clientError', (client, error) =>
      logger.debug({ clientId: client.id, err: error }, 'mqtt.client.error'),
    );
    broker.on('connectionError', (client, error) =>
      logger.debug({ clientId: client.id, err: error }, 'mqtt.connection.error'),
    );

    // Nagle off: small state and command packets must not wait 40 ms for company.
    tcp = createNetServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    http = createHttpServer((_request, response) => {
      response.writeHead(426, { connection: 'close', upgrade: 'websocket' }).end();
    });
    http.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    wss = new WebSocketServer({ server: http, maxPayload: options.maxWsPayloadBytes ?? 16 * 1024 * 1024 });
    wss.on('connection', (ws, request) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', (error) => logger.debug({ err: error }, 'mqtt.ws.error'));
      broker.handle(stream, request);
    });
    wss.on('error', (error) => logger.warn({ err: error }, 'mqtt.ws.server.error'));

    tcpPort = await listen(tcp, config.portTcp, 'tcp');
    wsPort = await listen(http, config.portWs, 'ws');
    if (auth.devModeNoAuth) {
      logger.warn(
        {
          reason: 'auth.devModeNoAuth is set; every client is admin',
          host: config.host,
        },
        'mqtt.auth.disabled',
      );
    }
    logger.info({ host: config.host, portTcp: tcpPort, portWs: wsPort }, 'mqtt.broker.listening');
  }

  async function doClose(): Promise<void> {
    // Stop accepting first, then disconnect the clients aedes knows, then anything still half-open.
    const closed = Promise.all([closeServer(tcp), closeServer(http)]);
    const broker = aedes;
    aedes = undefined;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    for (const client of wss?.clients ?? []) client.terminate();
    wss?.close();
    for (const socket of sockets) socket.destroy();
    await closed;
    logger.info('mqtt.broker.closed');
  }

  return {
    start() {
      if (closing) return Promise.reject(new GatewayError('EDGE_BROKER_CLOSED'));
      starting ??= doStart().catch(async (error: unknown) => {
        await doClose().catch(() => {});
        throw error;
      });
      return starting;
    },
    close() {
      closing ??= (starting ?? Promise.resolve()).catch(() => {}).then(() => (aedes ? doClose() : undefined));
      // connectedClients() reads 0 once closed; the ports stay readable for diagnostics.
      return closing;
    },
    tcpPort: () => tcpPort ?? notStarted('tcpPort'),
    wsPort: () => wsPort ?? notStarted('wsPort'),
    tcpUrl: () => `mqtt://${urlHost()}:${tcpPort ?? notStarted('tcpUrl')}`,
    wsUrl: () => `ws://${urlHost()}:${wsPort ?? notStarted('wsUrl')}`,
    internalCredentials: () =>
      internal && tcpPort !== undefined ? { ...internal } : notStarted('internalCredentials'),
    connectedClients: () => aedes?.connectedClients ?? 0,
  };
}
