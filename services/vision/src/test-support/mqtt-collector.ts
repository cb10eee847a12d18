// Collects messages from a topic and resolves when a condition holds: no sleeps, no polling.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Collector<T> {
  client: MqttClient;
  messages: T[];
  /** Resolves with all messages so far once `predicate` holds for them. */
  until(predicate: (messages: T[]) => boolean): Promise<T[]>;
  close(): Promise<void>;
}

export function collectJson<T>(
  url: string,
  topic: string,
  options: IClientOptions = {},
): Promise<Collector<T>> {
  return collect(url, topic, (payload) => JSON.parse(payload.toString('utf8')) as T, options);
}

export function collectText(
  url: string,
  topic: string,
  options: IClientOptions = {},
): Promise<Collector<string>> {
  return collect(url, topic, (payload) => payload.toString('utf8'), options);
}

async function collect<T>(
  url: string,
  topic: string,
  parse: (payload: Buffer) => T,
  options: IClientOptions,
): Promise<Collector<T>> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...options });
  const messages: T[] = [];
  const waiters: Array<{ predicate: (messages: T[]) => boolean; resolve: (messages: T[]) => void }> = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(messages)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve([...messages]);
    }
  };
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    messages.push(parse(payload));
    check();
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    client,
    messages,
    until(predicate) {
      return new Promise<T[]>((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      });
    },
    async close() {
      await client.endAsync();
    },
  };
}
