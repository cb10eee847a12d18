// Raw mqtt.js clients for broker tests, with event-driven, bounded waits.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export const WAIT_MS = 5000;

/** Connects and resolves on CONNACK 0, or rejects with mqtt.js's error (its `code` is the return code). */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
    ...options,
  });
  try {
    await Promise.race([
      clientEvent(client, 'connect'),
      clientEvent(client, 'error').then((error) => {
        throw error;
      }),
    ]);
    return client;
  } catch (error) {
    client.end(true);
    throw error;
  }
}

/** Resolves with the first message on a topic matching `predicate`. */
export function nextMessage(
  client: MqttClient,
  predicate: (topic: string, payload: Buffer) => boolean = () => true,
): Promise<{ topic: string; payload: string; retain: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error('no matching message in time'));
    }, WAIT_MS);
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
      if (!predicate(topic, payload)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic, payload: payload.toString(), retain: packet.retain === true });
    };
    client.on('message', onMessage);
  });
}

export async function endAll(clients: Iterable<MqttClient | undefined>): Promise<void> {
  await Promise.all([...clients].map((client) => client?.endAsync(true)));
}

/** Resolves with the first argument of the next `event`; rejects after WAIT_MS. */
export function clientEvent(
  client: MqttClient,
  event: 'connect' | 'close' | 'error' | 'offline',
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in time`)), WAIT_MS);
    (client as unknown as NodeJS.EventEmitter).once(event, (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
